/**
 * A bounded, fair queue for password hashing (argon2id: tens of milliseconds of CPU each).
 *
 * One unbounded first-come queue let one address starve everyone: while it sent 1,500 wrong
 * logins, an administrator's login from elsewhere waited 70 s behind them. Here:
 * - at most `concurrency` computations run at once (one per core);
 * - waiting work is taken round-robin across addresses, so an address waits for at most one job
 *   of each other address with work waiting, however many each of them queued;
 * - one address may hold at most `perAddressCap` jobs (running and waiting); more is refused;
 * - at most `waitingCap` jobs wait in all. When the queue is full, a newcomer from an address
 *   with fewer jobs waiting than the busiest address takes the busiest address's newest slot
 *   (that job is refused instead), so a flood from a few addresses cannot shut others out.
 * A refusal is HashQueueFullError with a Retry-After estimate: the surfaces answer 503.
 */

export class HashQueueFullError extends Error {
  override readonly name = 'HashQueueFullError';
  constructor(readonly retryAfterSeconds: number) {
    super('the password-hashing queue is full');
  }
}

export interface HashQueueOptions {
  readonly concurrency: number;
  readonly perAddressCap: number;
  readonly waitingCap: number;
  /** First guess of one computation's duration, before any was measured. */
  readonly initialJobMs?: number;
  readonly now?: () => number;
}

export interface HashQueueStats {
  readonly running: number;
  readonly waiting: number;
  readonly addresses: number;
}

interface Job {
  start(): void;
  refuse(err: HashQueueFullError): void;
}

interface AddressQueue {
  readonly waiting: Job[];
  /** Running and waiting jobs of this address. */
  held: number;
}

export type HashQueue = ReturnType<typeof createHashQueue>;

export function createHashQueue(options: HashQueueOptions) {
  const now = options.now ?? (() => performance.now());
  const byAddress = new Map<string, AddressQueue>();
  /** Addresses with work waiting, in the order they get their next turn. */
  const rotation: string[] = [];
  let running = 0;
  let waiting = 0;
  let jobMs = options.initialJobMs ?? 50;

  const retryAfterSeconds = (): number => Math.min(30, Math.max(1, Math.ceil(((waiting + running) * jobMs) / options.concurrency / 1000)));

  const release = (address: string): void => {
    const entry = byAddress.get(address)!;
    if (--entry.held === 0) byAddress.delete(address);
  };

  const startNext = (): void => {
    while (running < options.concurrency && rotation.length > 0) {
      const address = rotation.shift()!;
      const entry = byAddress.get(address)!;
      const job = entry.waiting.shift()!;
      waiting--;
      if (entry.waiting.length > 0) rotation.push(address);
      job.start();
    }
  };

  /** Frees a waiting slot for `address` when the queue is full, or returns false. */
  const makeRoom = (address: string): boolean => {
    const mine = byAddress.get(address)?.waiting.length ?? 0;
    let busiest: string | undefined;
    let most = 0;
    for (const [other, entry] of byAddress) {
      if (entry.waiting.length > most) {
        most = entry.waiting.length;
        busiest = other;
      }
    }
    if (busiest === undefined || busiest === address || most <= mine + 1) return false;
    const entry = byAddress.get(busiest)!;
    const evicted = entry.waiting.pop()!;
    waiting--;
    if (entry.waiting.length === 0) rotation.splice(rotation.indexOf(busiest), 1);
    release(busiest);
    evicted.refuse(new HashQueueFullError(retryAfterSeconds()));
    return true;
  };

  return {
    /** Runs `work` when its turn comes, or rejects with HashQueueFullError. */
    run<T>(address: string, work: () => Promise<T>): Promise<T> {
      let entry = byAddress.get(address);
      if ((entry?.held ?? 0) >= options.perAddressCap) return Promise.reject(new HashQueueFullError(retryAfterSeconds()));
      if (waiting >= options.waitingCap && !makeRoom(address)) return Promise.reject(new HashQueueFullError(retryAfterSeconds()));
      if (!entry) {
        entry = { waiting: [], held: 0 };
        byAddress.set(address, entry);
      }
      entry.held++;
      return new Promise<T>((resolve, reject) => {
        const job: Job = {
          start() {
            running++;
            const started = now();
            // The slot is free again before the caller goes on.
            const finished = () => {
              // A moving average of the duration, for Retry-After.
              jobMs = 0.8 * jobMs + 0.2 * (now() - started);
              running--;
              release(address);
              startNext();
            };
            void work().then(
              (value) => (finished(), resolve(value)),
              (err: Error) => (finished(), reject(err)),
            );
          },
          refuse: reject,
        };
        if (running < options.concurrency && waiting === 0) {
          job.start();
          return;
        }
        if (entry.waiting.push(job) === 1) rotation.push(address);
        waiting++;
      });
    },

    stats(): HashQueueStats {
      return { running, waiting, addresses: byAddress.size };
    },
  };
}
