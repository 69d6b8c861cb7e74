/**
 * How a revocation reaches every token-check cache (ENGINEERING.md, "Revocation model").
 *
 * - In this process: `revoke()` runs the revoking writes in a transaction, and after the commit
 *   tells local listeners before it returns, so the very next request is refused.
 * - Another process on the same SQLite file (the CLI): every revoking transaction also bumps
 *   `revocation_epoch`. `checkExternal()` reads `PRAGMA data_version` (a few system calls, no I/O)
 *   and, only when another connection has committed something, the epoch row; a new epoch
 *   flushes. A read is reused for at most `EXTERNAL_CHECK_WINDOW_MS`, and every revoking
 *   transaction waits that long after its commit before it returns ("commit wait"): a request
 *   that arrives after a revoke returned is checked against a read that began after the commit.
 * - Other nodes on PostgreSQL: the transaction calls pg_notify, delivered at commit. Each node
 *   LISTENs on a dedicated connection. While that connection is down, `cacheUsable()` is false,
 *   and on reconnect the cache is flushed, since notifications sent meanwhile are lost.
 */
import type { Kysely, Transaction } from 'kysely';
import { sql } from 'kysely';
import pg from 'pg';
import type { Store } from './db.js';
import type { Database } from './schema.js';

/**
 * What a committed change makes stale. `tokens`: these token digests; `clients`: everything cached
 * about these clients (their record and every token issued to them); `users`: every token of these
 * users (their permissions changed, or they are gone); `all`: everything.
 */
export type InvalidationEvent =
  | { readonly kind: 'tokens'; readonly hashes: readonly string[] }
  | { readonly kind: 'clients'; readonly ids: readonly string[] }
  | { readonly kind: 'users'; readonly ids: readonly string[] }
  | { readonly kind: 'all' };

/** What a transaction passed to `revoke` invalidates: nothing, one event, or several. */
export type InvalidationEvents = InvalidationEvent | readonly InvalidationEvent[] | null;

function eventList(events: InvalidationEvents): readonly InvalidationEvent[] {
  if (events === null) return [];
  return Array.isArray(events) ? (events as readonly InvalidationEvent[]) : [events as InvalidationEvent];
}

export type InvalidationListener = (event: InvalidationEvent) => void;

/**
 * The other worker processes of this server (KEYGATE_WORKERS, src/cluster.ts). A revocation is
 * broadcast to them after the commit and `revoke` returns only once they have applied it.
 */
export interface InvalidationPeers {
  broadcast(events: readonly InvalidationEvent[]): Promise<void>;
  receive(listener: (events: readonly InvalidationEvent[]) => void): void;
}

export const NOTIFY_CHANNEL = 'keygate_invalidate';
/**
 * How long a `PRAGMA data_version` read stands for "nothing changed" in other processes, and so
 * how long a SQLite revocation waits after its commit before it returns. At 20,000 API calls a
 * second this is one read per ~20 calls instead of one per call.
 */
export const EXTERNAL_CHECK_WINDOW_MS = 1;

/** Resolves once `windowMs` has passed since `since` on the monotonic clock (timers may fire early). */
export async function waitSince(since: number, windowMs: number): Promise<void> {
  for (let left = windowMs - (performance.now() - since); left > 0; left = windowMs - (performance.now() - since)) {
    await new Promise((resolve) => setTimeout(resolve, Math.ceil(left)));
  }
}

/** pg_notify payloads must stay under 8000 bytes; larger sets become a full flush. */
const MAX_IDS_PER_NOTIFY = 100;

export interface Invalidation {
  /**
   * Runs `work` in one transaction. The event it returns (if any) is recorded in the same
   * transaction (epoch bump, pg_notify) and applied to local caches right after the commit.
   */
  revoke<T>(work: (trx: Transaction<Database>) => Promise<{ result: T; event: InvalidationEvents }>): Promise<T>;
  publishLocal(event: InvalidationEvent): void;
  subscribe(listener: InvalidationListener): () => void;
  /**
   * Synchronous and cheap; flushes local caches when another process revoked something. Reuses a
   * read younger than EXTERNAL_CHECK_WINDOW_MS (see the commit wait in `revoke`).
   */
  checkExternal(): void;
  /** False while cross-node notifications could be missed (PostgreSQL listener down). */
  cacheUsable(): boolean;
  start(): Promise<void>;
  close(): Promise<void>;
}

/** Past this many notifications for one transaction, one full flush is the cheaper message. */
const MAX_NOTIFIES = 100;

function chunks(list: readonly string[]): string[][] {
  const out: string[][] = [];
  for (let i = 0; i < list.length; i += MAX_IDS_PER_NOTIFY) out.push(list.slice(i, i + MAX_IDS_PER_NOTIFY));
  return out;
}

/** The pg_notify payloads for these events: lists split to fit the payload limit, or one full flush. */
function encode(events: readonly InvalidationEvent[]): string[] {
  const payloads: string[] = [];
  for (const event of events) {
    switch (event.kind) {
      case 'tokens':
        for (const h of chunks(event.hashes)) payloads.push(JSON.stringify({ h }));
        break;
      case 'clients':
        for (const c of chunks(event.ids)) payloads.push(JSON.stringify({ c }));
        break;
      case 'users':
        for (const u of chunks(event.ids)) payloads.push(JSON.stringify({ u }));
        break;
      case 'all':
        return [JSON.stringify({ all: true })];
    }
  }
  return payloads.length > MAX_NOTIFIES ? [JSON.stringify({ all: true })] : payloads;
}

const isStringList = (value: unknown): value is string[] => Array.isArray(value) && value.every((v) => typeof v === 'string');

function decode(payload: string | undefined): InvalidationEvent {
  try {
    const value = JSON.parse(payload ?? '') as { h?: unknown; c?: unknown; u?: unknown };
    if (isStringList(value.h)) return { kind: 'tokens', hashes: value.h };
    if (isStringList(value.c)) return { kind: 'clients', ids: value.c };
    if (isStringList(value.u)) return { kind: 'users', ids: value.u };
  } catch {
    // fall through: anything unreadable flushes everything, which is always safe
  }
  return { kind: 'all' };
}

export function createInvalidation(store: Store, options: { onError?: (err: unknown) => void; peers?: InvalidationPeers } = {}): Invalidation {
  const listeners = new Set<InvalidationListener>();
  const publishLocal = (event: InvalidationEvent): void => {
    for (const listener of listeners) listener(event);
  };
  options.peers?.receive((events) => {
    for (const event of events) publishLocal(event);
  });

  /** Increments the revocation counter; returns its new value. */
  const bumpEpoch = async (trx: Kysely<Database>): Promise<number> => {
    const row = await trx
      .updateTable('revocation_epoch')
      .set((eb) => ({ epoch: eb('epoch', '+', 1) }))
      .where('id', '=', 1)
      .returning('epoch')
      .executeTakeFirst();
    return Number(row?.epoch ?? -1);
  };

  /** A write that changes no value: the connection now holds SQLite's write lock. */
  const takeWriteLock = async (trx: Kysely<Database>): Promise<void> => {
    await trx.updateTable('revocation_epoch').set((eb) => ({ epoch: eb.ref('epoch') })).where('id', '=', 1).execute();
  };

  const record = async (trx: Kysely<Database>, events: readonly InvalidationEvent[]): Promise<void> => {
    // The caller's transaction may still roll back, so this process does not count the bump as
    // seen: the next commit by another connection makes checkExternal flush once (safe).
    await bumpEpoch(trx);
    if (store.dialect === 'postgres') {
      for (const payload of encode(events)) await sql`select pg_notify(${NOTIFY_CHANNEL}, ${payload})`.execute(trx);
    }
  };

  // SQLite: cross-process detection through data_version, then the epoch row.
  const dataVersion = store.sqlite?.prepare('PRAGMA data_version').pluck() ?? null;
  const readEpoch = store.sqlite?.prepare('SELECT epoch FROM revocation_epoch WHERE id = 1').pluck() ?? null;
  let lastDataVersion = -1;
  let lastEpoch = -1;
  /** performance.now() just before the last data_version read; -Infinity: read on next check. */
  let checkedAt = Number.NEGATIVE_INFINITY;

  // PostgreSQL: one dedicated LISTEN connection per process.
  let listener: pg.Client | null = null;
  let listening = store.dialect !== 'postgres';
  let closing = false;
  let retryTimer: NodeJS.Timeout | null = null;

  const connectListener = async (): Promise<void> => {
    if (store.dialect !== 'postgres' || closing) return;
    const client = new pg.Client({ connectionString: store.config.url });
    client.on('notification', (msg) => {
      if (msg.channel === NOTIFY_CHANNEL) publishLocal(decode(msg.payload));
    });
    const lost = (err?: unknown): void => {
      if (listener !== client) return;
      listener = null;
      listening = false;
      publishLocal({ kind: 'all' });
      if (err) options.onError?.(err);
      client.end().catch(() => {});
      if (!closing) retryTimer = setTimeout(() => void connectListener().catch(() => {}), 250);
    };
    client.on('error', lost);
    client.on('end', () => lost());
    try {
      await client.connect();
      await client.query(`LISTEN ${NOTIFY_CHANNEL}`);
    } catch (err) {
      client.end().catch(() => {});
      options.onError?.(err);
      if (!closing) retryTimer = setTimeout(() => void connectListener().catch(() => {}), 500);
      return;
    }
    listener = client;
    // Anything revoked while we were not listening is unknown: start from an empty cache.
    publishLocal({ kind: 'all' });
    listening = true;
  };

  return {
    async revoke(work) {
      let events: readonly InvalidationEvent[] = [];
      let epoch = -1;
      const result = await store.db.transaction().execute(async (trx) => {
        // SQLite: write first, so the transaction takes the write lock at once (waiting up to
        // busy_timeout) instead of reading and then failing with SQLITE_BUSY when another
        // process (the CLI, a second server) writes meanwhile. The write changes nothing: a
        // transaction that invalidates nothing (creating a client, a consent) must not make every
        // other process flush its caches.
        if (store.dialect === 'sqlite') await takeWriteLock(trx);
        const out = await work(trx);
        events = eventList(out.event);
        if (events.length > 0) {
          if (store.dialect === 'sqlite') epoch = await bumpEpoch(trx);
          else await record(trx, events);
        }
        return out.result;
      });
      const committedAt = performance.now();
      for (const event of events) publishLocal(event);
      // The other workers of this server drop the entries before this revocation returns.
      if (events.length > 0 && options.peers) await options.peers.broadcast(events);
      if (epoch !== -1) {
        // Our own bump is no news to this process. Writers are serialised, so if the counter was
        // one below ours when we last read it, nobody else revoked in between; otherwise another
        // process did, and whatever it revoked is flushed now.
        if (lastEpoch !== epoch - 1) publishLocal({ kind: 'all' });
        lastEpoch = epoch;
        // Commit wait: other processes may answer from a data_version read taken up to
        // EXTERNAL_CHECK_WINDOW_MS ago; after this, any read they reuse began after our commit.
        await waitSince(committedAt, EXTERNAL_CHECK_WINDOW_MS);
      }
      return result;
    },
    publishLocal,
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    checkExternal() {
      if (!dataVersion || !readEpoch) return;
      // The clock is read before the pragma, so the reuse window errs on the early side.
      const startedAt = performance.now();
      if (startedAt - checkedAt < EXTERNAL_CHECK_WINDOW_MS) return;
      checkedAt = startedAt;
      const version = dataVersion.get() as number;
      if (version === lastDataVersion) return;
      lastDataVersion = version;
      const epoch = Number(readEpoch.get());
      if (epoch !== lastEpoch) {
        if (lastEpoch !== -1) publishLocal({ kind: 'all' });
        lastEpoch = epoch;
      }
    },
    cacheUsable() {
      return listening;
    },
    async start() {
      if (store.dialect === 'postgres') await connectListener();
      else this.checkExternal();
    },
    async close() {
      closing = true;
      if (retryTimer) clearTimeout(retryTimer);
      const client = listener;
      listener = null;
      listening = false;
      if (client) await client.end().catch(() => {});
    },
  };
}
