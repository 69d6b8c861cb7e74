/**
 * Opens the store named by DATABASE_URL: better-sqlite3 (WAL, foreign keys, busy timeout) or a pg
 * pool, both behind one Kysely instance. int8 columns come back as JavaScript numbers on both.
 */
import { closeSync, existsSync, fchmodSync, mkdirSync, openSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { dirname, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, sql, SqliteDialect, type RawBuilder } from 'kysely';
import pg from 'pg';
import type { DatabaseConfig } from '../config.js';
import type { Database } from './schema.js';

export type Dialect = 'sqlite' | 'postgres';

/** How often the checkpoint thread folds the WAL back into the database file. */
const CHECKPOINT_EVERY_MS = 250;
/** WAL length (pages) past which the checkpoint thread restarts the WAL (about 16 MB). */
export const RESTART_AT_PAGES = 4_000;
/** The longest the checkpoint thread waits for a lock (see below). */
const CHECKPOINT_WAIT_MS = 20;

// A PASSIVE checkpoint never waits, but under steady writes it never catches up either: commits
// land while it copies, so the WAL is never fully copied at the moment a writer starts, and
// SQLite only rewinds a fully copied WAL. The WAL then grows without end (194 MB within a minute
// of the soak), and past wal_autocheckpoint every commit ran a checkpoint of its own: answers
// took up to 20 s. So once the WAL is long, a RESTART checkpoint holds writers back for the
// little the passive ones left over (a few ms), then rewinds the WAL.
//
// This connection waits at most 20 ms for a lock. A RESTART waits for readers while holding the
// write lock; if the server's thread is in a transaction that read and now wants to write, it
// waits (synchronously) for that lock and cannot finish its read: with the 1 s timeout this
// connection had first, every request stalled for a second. Now such a standoff costs at most
// 20 ms, and the checkpoint tries again in the next round.
const CHECKPOINTER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.path, { fileMustExist: true, timeout: workerData.waitMs });
setInterval(() => {
  let log = -1;
  let restarted = false;
  try {
    const [state] = db.pragma('wal_checkpoint(PASSIVE)');
    log = state ? state.log : -1;
    if (state && state.log >= workerData.restartAt) {
      const [after] = db.pragma('wal_checkpoint(RESTART)');
      restarted = !!after && after.busy === 0;
    }
  } catch { /* busy: the next round catches up */ }
  if (workerData.report) parentPort.postMessage({ log, restarted });
}, workerData.everyMs);
`;

/** What one round of the checkpoint thread found: the WAL's length in pages, and whether it restarted it. */
export interface CheckpointRound {
  readonly log: number;
  readonly restarted: boolean;
}

/** A worker thread with its own connection that runs passive WAL checkpoints. */
function startCheckpointer(path: string, onRound?: (round: CheckpointRound) => void): Worker {
  const worker = new Worker(CHECKPOINTER_SOURCE, {
    eval: true,
    workerData: {
      path,
      everyMs: CHECKPOINT_EVERY_MS,
      restartAt: RESTART_AT_PAGES,
      waitMs: CHECKPOINT_WAIT_MS,
      report: onRound !== undefined,
      module: createRequire(import.meta.url).resolve('better-sqlite3'),
    },
  });
  if (onRound) worker.on('message', (round: CheckpointRound) => onRound(round));
  worker.unref();
  // If the thread fails, the connection's own automatic checkpoint still bounds the WAL.
  worker.on('error', () => {});
  return worker;
}

/** Creates a folder Keygate's data goes in, readable by its owner only (0700), if it is missing. */
export function ensurePrivateDirectory(dir: string): void {
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 });
}

/**
 * Creates the SQLite file, readable by its owner only (0600), unless it exists: SQLite gives its
 * -wal and -shm files the database file's mode. An existing file keeps the mode it has.
 */
function createPrivateFile(path: string): void {
  ensurePrivateDirectory(dirname(path));
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return;
    throw err;
  }
  try {
    // The mode given to open() is narrowed by the umask, never widened; make it exact.
    fchmodSync(fd, 0o600);
  } finally {
    closeSync(fd);
  }
}

export interface Store {
  readonly db: Kysely<Database>;
  readonly dialect: Dialect;
  /** The raw SQLite handle (for cheap synchronous checks such as PRAGMA data_version). */
  readonly sqlite: SQLite.Database | null;
  /** The raw pg pool (for LISTEN/NOTIFY). */
  readonly pgPool: pg.Pool | null;
  readonly config: DatabaseConfig;
  close(): Promise<void>;
}

const INT8_OID = 20;

/**
 * Input the store cannot hold (a NUL character, which PostgreSQL text refuses). `statusCode` 400
 * makes every error handler answer it as the client's mistake in its own format.
 */
export class InvalidTextError extends Error {
  override readonly name = 'InvalidTextError';
  readonly statusCode = 400;
  readonly code = 'KEYGATE_INVALID_TEXT';
  constructor() {
    super('text input holds a NUL character');
  }
}

const GUARDED = Symbol('keygate.nulGuard');

function guardNul(client: pg.PoolClient): pg.PoolClient {
  const marked = client as pg.PoolClient & { [GUARDED]?: true };
  if (marked[GUARDED]) return client;
  marked[GUARDED] = true;
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
    const values = args[1];
    if (Array.isArray(values) && values.some((v) => typeof v === 'string' && v.includes('\u0000'))) {
      return Promise.reject(new InvalidTextError());
    }
    return query(...args);
  };
  return client;
}

function int8(value: string): number {
  return Number(value);
}

/**
 * SQLite is built with STAT4 (better-sqlite3): once ANALYZE has run (an administrator, or
 * `PRAGMA optimize`), a statement whose parameter is compared with an indexed column is
 * re-prepared whenever that value changes, since the value might change the plan. A token digest
 * or id always changes: 30 µs per lookup instead of 6. A unary plus on the parameter (`col = +?`)
 * keeps the index and stops the re-preparing. Use it for parameters on hot, high-cardinality
 * lookups; PostgreSQL has no unary plus for text and needs none.
 */
export const SQLITE_STABLE_PARAM = '+?';

/** The value side of `where(col, '=', …)` in a statement compiled once and run with one parameter. */
export function stableParam(dialect: Dialect): string {
  return (dialect === 'sqlite' ? sql<string>`+${''}` : '') as string;
}

/** Prepared statements kept per SQL text; Kysely would otherwise re-prepare every query. */
const STATEMENT_CACHE_SIZE = 500;

/**
 * The SQLite handle Kysely sees: `prepare` returns a cached statement for SQL it has seen before
 * (better-sqlite3 statements are reusable, and SQLite re-prepares them itself after a schema
 * change). Preparing was ~7% of the token endpoint's CPU time.
 */
function withStatementCache(sqlite: SQLite.Database): SQLite.Database {
  const statements = new Map<string, SQLite.Statement>();
  const prepare = (source: string): SQLite.Statement => {
    let statement = statements.get(source);
    if (!statement) {
      statement = sqlite.prepare(source);
      if (statements.size >= STATEMENT_CACHE_SIZE) statements.delete(statements.keys().next().value!);
      statements.set(source, statement);
    }
    return statement;
  };
  return new Proxy(sqlite, {
    get(target, property) {
      if (property === 'prepare') return prepare;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

export interface StoreOptions {
  readonly poolSize?: number;
  /** SQLite: called after each round of the checkpoint thread (tests watch the mechanism with it). */
  readonly onCheckpoint?: (round: CheckpointRound) => void;
}

export function openStore(config: DatabaseConfig, options: StoreOptions = {}): Store {
  if (config.kind === 'sqlite') {
    const path = config.path === ':memory:' ? ':memory:' : resolve(config.path);
    if (path !== ':memory:') createPrivateFile(path);
    const sqlite = new SQLite(path);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    // NORMAL is durable across process crashes in WAL mode; only power loss can lose the last commit.
    sqlite.pragma('synchronous = NORMAL');
    // SQLite's default page cache is 2 MB: past a few thousand tokens every token-check miss read
    // index pages through syscalls. 64 MB of cache plus memory-mapped reads made a miss 2-4x
    // cheaper in the benchmark (docs/performance.md); the map covers stores up to 1 GiB.
    sqlite.pragma('cache_size = -65536');
    sqlite.pragma('mmap_size = 1073741824');
    // Checkpoints (copying the WAL back into the database, with an fsync) run on a worker
    // thread, so they never stall the event loop; the connection's own automatic checkpoint
    // stays as a far-off safety net in case that thread is gone.
    const checkpointer = path === ':memory:' ? null : startCheckpointer(path, options.onCheckpoint);
    sqlite.pragma(`wal_autocheckpoint = ${checkpointer ? 4 * RESTART_AT_PAGES : 1000}`);
    sqlite.pragma('journal_size_limit = 67108864');
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
    let closed = false;
    return {
      db,
      dialect: 'sqlite',
      sqlite,
      pgPool: null,
      config,
      async close() {
        if (closed) return;
        closed = true;
        await checkpointer?.terminate();
        await db.destroy();
      },
    };
  }
  const pool = new pg.Pool({
    connectionString: config.url,
    max: options.poolSize ?? 10,
    types: {
      getTypeParser(oid: number, format?: string): (value: string) => unknown {
        if (oid === INT8_OID) return int8;
        return (pg.types.getTypeParser as (oid: number, format?: string) => (value: string) => unknown)(oid, format);
      },
    },
  });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  // PostgreSQL text cannot hold NUL (SQLite's can): refuse such input as bad input, not a 500.
  const guardedPool = { connect: async () => guardNul(await pool.connect()), end: () => pool.end() } as unknown as pg.Pool;
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: guardedPool }) });
  let closed = false;
  return {
    db,
    dialect: 'postgres',
    sqlite: null,
    pgPool: pool,
    config,
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
    },
  };
}

/** True for a unique-constraint violation on either dialect. */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string } | null;
  return e?.code === '23505' || e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** Booleans are stored as 0/1 on both dialects. */
export function toFlag(value: boolean): number {
  return value ? 1 : 0;
}

export function fromFlag(value: number | boolean | null | undefined): boolean {
  return value === 1 || value === true;
}

export function toDate(ms: number): Date;
export function toDate(ms: number | null): Date | null;
export function toDate(ms: number | null): Date | null {
  return ms === null ? null : new Date(Number(ms));
}

export function parseJsonArray(text: string | null | undefined): string[] {
  if (!text) return [];
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  } catch {
    return [];
  }
}

export function splitScopes(text: string): string[] {
  return text.split(' ').filter((s) => s.length > 0);
}

/** `column LIKE '%text%'` with the wildcards in `text` taken literally, on both dialects. */
export function containsText(column: string, text: string): RawBuilder<boolean> {
  const pattern = `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return sql<boolean>`${sql.ref(column)} like ${pattern} escape '\\'`;
}
