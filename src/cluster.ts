/**
 * KEYGATE_WORKERS: several server processes on one port (node:cluster; Node 20 has no
 * `reusePort`), sharing the store. The primary has already run the migrations, the bootstrap and
 * the key file (src/server.ts); here it forks the workers, restarts one that dies, drains them all
 * on SIGTERM/SIGINT, and relays two things between them over the IPC channel:
 *
 * - Revocations. Each worker has its own token cache. A revoking worker tells the primary, which
 *   tells every other worker and answers once they have all dropped the entries, before the
 *   revoking request returns: "refused on the next request" holds across workers on SQLite and
 *   PostgreSQL alike (the SQLite epoch and PostgreSQL NOTIFY still cover other nodes and the CLI).
 * - Metrics. GET /metrics on any worker asks the primary, which answers with prom-client's
 *   aggregate of every worker's registry.
 */
import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';
import type { Config } from './config.js';
import type { InvalidationEvent, InvalidationPeers } from './context.js';

/** How long a revoking worker waits for the others before it gives up on one (it has died or hangs). */
const PEER_ACK_TIMEOUT_MS = 2000;
/** A worker that dies is replaced after this delay (doubling while they keep dying, up to 10 s). */
const RESTART_DELAY_MS = 250;
const MAX_RESTART_DELAY_MS = 10_000;
/** SIGTERM: workers finish their requests (each has its own 15 s bound); then the primary exits. */
const DRAIN_TIMEOUT_MS = 20_000;

/** What one side asks the other: drop these cache entries, or (to the primary) the aggregated metrics. */
type Ask = { readonly kg: 'invalidate'; readonly events: readonly InvalidationEvent[] } | { readonly kg: 'metrics' };
type Message = (Ask & { readonly id: number }) | { readonly kg: 'reply'; readonly id: number; readonly text?: string };

const isMessage = (value: unknown): value is Message =>
  typeof value === 'object' && value !== null && typeof (value as { kg?: unknown }).kg === 'string' && typeof (value as { id?: unknown }).id === 'number';

/** Request/reply over one IPC channel, with a timeout (answers `undefined` when it runs out). */
function channel(send: (message: Message) => void) {
  let nextId = 0;
  const pending = new Map<number, (text: string | undefined) => void>();
  return {
    ask(message: Ask, timeoutMs: number): Promise<string | undefined> {
      const id = ++nextId;
      return new Promise((resolve) => {
        const timer = setTimeout(() => settle(undefined), timeoutMs);
        const settle = (text: string | undefined): void => {
          clearTimeout(timer);
          pending.delete(id);
          resolve(text);
        };
        pending.set(id, settle);
        try {
          send({ ...message, id });
        } catch {
          settle(undefined);
        }
      });
    },
    /** Resolves a pending ask; true when the message was a reply. */
    replied(message: Message): boolean {
      if (message.kg !== 'reply') return false;
      pending.get(message.id)?.(message.text ?? '');
      return true;
    },
    /** The other side is gone: every pending ask ends now. */
    closeAll(): void {
      for (const settle of pending.values()) settle(undefined);
    },
  };
}

export interface WorkerLink {
  readonly peers: InvalidationPeers;
  /** GET /metrics: the aggregate of every worker, from the primary. */
  scrapeMetrics(): Promise<string>;
  /** Makes this worker's registry the one the primary collects. */
  shareRegistry(registry: Registry): void;
}

/** In a worker process: the link to the primary. */
export function workerLink(): WorkerLink {
  const send = (message: Message): void => void process.send!(message);
  const primary = channel(send);
  const receivers: Array<(events: readonly InvalidationEvent[]) => void> = [];
  process.on('message', (message: unknown) => {
    if (!isMessage(message) || primary.replied(message)) return;
    if (message.kg === 'invalidate') {
      for (const receive of receivers) receive(message.events);
      send({ kg: 'reply', id: message.id });
    }
  });
  process.on('disconnect', () => primary.closeAll());
  return {
    peers: {
      async broadcast(events) {
        await primary.ask({ kg: 'invalidate', events }, PEER_ACK_TIMEOUT_MS * 2);
      },
      receive(listener) {
        receivers.push(listener);
      },
    },
    async scrapeMetrics() {
      const text = await primary.ask({ kg: 'metrics' }, 10_000);
      if (text === undefined) throw new Error('the primary did not answer with the metrics');
      return text;
    },
    shareRegistry(registry) {
      // The aggregator installs the listener that answers the primary's collection requests.
      new AggregatorRegistry();
      AggregatorRegistry.setRegistries([registry]);
    },
  };
}

interface WorkerState {
  readonly channel: ReturnType<typeof channel>;
}

/** In the primary: fork, relay, restart, drain. Never returns (the process ends on a signal). */
export async function runPrimary(config: Config, log: (fields: object, message: string) => void): Promise<void> {
  const aggregator = new AggregatorRegistry();
  const states = new Map<Worker, WorkerState>();
  let stopping = false;
  let restartDelay = RESTART_DELAY_MS;

  const onMessage = async (worker: Worker, message: Message): Promise<void> => {
    const state = states.get(worker);
    if (!state || state.channel.replied(message)) return;
    if (message.kg === 'invalidate') {
      // Every other worker drops the entries before the revoking one is told it may return.
      const others = [...states.entries()].filter(([w]) => w !== worker && w.isConnected());
      await Promise.all(others.map(([, s]) => s.channel.ask({ kg: 'invalidate', events: message.events }, PEER_ACK_TIMEOUT_MS)));
    }
    const text = message.kg === 'metrics' ? await aggregator.clusterMetrics().catch((err: unknown) => `# metrics unavailable: ${(err as Error).message}\n`) : undefined;
    if (worker.isConnected()) worker.send({ kg: 'reply', id: message.id, text } satisfies Message);
  };

  const fork = (): void => {
    const worker = cluster.fork();
    const state: WorkerState = { channel: channel((m) => void worker.send(m)) };
    states.set(worker, state);
    worker.on('message', (message: unknown) => {
      if (isMessage(message)) void onMessage(worker, message);
    });
    worker.on('listening', () => (restartDelay = RESTART_DELAY_MS));
    worker.on('exit', (code, signal) => {
      states.delete(worker);
      state.channel.closeAll();
      if (stopping) return;
      log({ workerPid: worker.process.pid, code, signal }, 'worker exited: starting another');
      setTimeout(fork, restartDelay).unref();
      restartDelay = Math.min(restartDelay * 2, MAX_RESTART_DELAY_MS);
    });
  };

  cluster.setupPrimary({ silent: false });
  for (let i = 0; i < config.workers; i++) fork();
  log({ workers: config.workers, port: config.port }, 'keygate primary started');

  const stop = (signal: string): void => {
    if (stopping) process.exit(1);
    stopping = true;
    log({ signal }, 'shutting down: draining every worker');
    setTimeout(() => process.exit(1), DRAIN_TIMEOUT_MS).unref();
    const workers = [...states.keys()];
    if (workers.length === 0) process.exit(0);
    let left = workers.length;
    for (const worker of workers) {
      worker.once('exit', () => {
        if (--left === 0) process.exit(0);
      });
      worker.process.kill('SIGTERM');
    }
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  await new Promise<never>(() => {});
}
