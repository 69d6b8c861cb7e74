/**
 * SQLite's write path for the token endpoint (see src/store/token-writer.ts): issuance, refresh
 * rotation and last-use marks.
 *
 * On SQLite the cost of a write is its commit: every page a transaction dirtied goes to the WAL
 * with two system calls, and a token row dirties several random index pages (its digest, its id,
 * its parent). A refresh rotation in its own Kysely transaction also held the only connection
 * across its awaits, so every other request queued behind it (bench: 1,223 refreshes/s against
 * 8,826 client-credentials tokens/s).
 *
 * Here, the writes asked for in one turn of the event loop run as one transaction (group commit),
 * synchronously on the raw better-sqlite3 handle with prepared statements. Each request's writes
 * run in their own savepoint, so a request that fails (its client was deleted meanwhile) rolls
 * back alone and the others still commit. A request's promise settles only after the COMMIT.
 * The batch runs while holding Kysely's connection, so it never interleaves with a Kysely
 * transaction that is waiting between two of its statements.
 */
import type SQLite from 'better-sqlite3';
import type { Kysely } from 'kysely';
import { SQLITE_STABLE_PARAM } from './db.js';
import { TOKEN_COLUMNS as COLUMNS, type Database, type TokensTable } from './schema.js';
import type { RotationOutcome, TokenWriter } from './token-writer.js';

/** Most jobs in one transaction, and most last-use marks in one job: bound how long one batch keeps the event loop. */
const MAX_JOBS_PER_BATCH = 500;
const MAX_MARKS_PER_JOB = 500;

interface Job<T> {
  readonly run: () => T;
  readonly singleStatement: boolean;
  readonly resolve: (value: T) => void;
  readonly reject: (err: unknown) => void;
}

export function createSqliteTokenWriter(db: Kysely<Database>, sqlite: SQLite.Database): TokenWriter {
  const insertRow = sqlite.prepare(`insert into tokens (${COLUMNS.join(', ')}) values (${COLUMNS.map((c) => `@${c}`).join(', ')})`);
  // No re-prepare per id once ANALYZE has run (see SQLITE_STABLE_PARAM).
  const retire = sqlite.prepare(
    `update tokens set rotated_at = ? where id = ${SQLITE_STABLE_PARAM} and kind = 'refresh_token' and rotated_at is null and revoked_at is null`,
  );
  // The grace-window branch (rare: concurrent or retried refreshes only). The batch is one
  // synchronous transaction, so reading the count and inserting cannot interleave with another branch.
  const readRetired = sqlite.prepare<[string], { rotated_at: number | null; revoked_at: number | null }>(
    `select rotated_at, revoked_at from tokens where id = ? and kind = 'refresh_token'`,
  );
  const countSuccessors = sqlite.prepare<[string], number>(`select count(*) from tokens where parent_id = ? and kind = 'refresh_token'`).pluck();
  const setLastUsed = sqlite.prepare(`update tokens set last_used_at = ? where id = ${SQLITE_STABLE_PARAM}`);
  const insertAll = (rows: readonly TokensTable[]): void => {
    for (const row of rows) insertRow.run(row);
  };
  // A nested better-sqlite3 transaction is a savepoint: a throw rolls back this job alone.
  const inSavepoint = sqlite.transaction((run: () => unknown) => run());

  const pending: Array<Job<unknown>> = [];

  const runBatch = (batch: ReadonlyArray<Job<unknown>>): Array<() => void> => {
    const settle: Array<() => void> = [];
    sqlite.transaction(() => {
      for (const job of batch) {
        try {
          // A job of one statement needs no savepoint: SQLite undoes a failed statement alone.
          const value = job.singleStatement ? job.run() : inSavepoint(job.run);
          settle.push(() => job.resolve(value));
        } catch (err) {
          settle.push(() => job.reject(err));
        }
      }
    })();
    return settle;
  };

  const flush = async (): Promise<void> => {
    const batch = pending.splice(0, MAX_JOBS_PER_BATCH);
    if (pending.length > 0) setImmediate(() => void flush());
    let settle: Array<() => void>;
    try {
      settle = await db.connection().execute(() => Promise.resolve(runBatch(batch)));
    } catch (err) {
      // The transaction itself failed (say, SQLITE_BUSY past the busy timeout): nothing committed.
      for (const job of batch) job.reject(err);
      return;
    }
    for (const s of settle) s();
  };

  const enqueue = <T>(run: () => T, singleStatement = false): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      if (pending.length === 0) setImmediate(() => void flush());
      pending.push({ run, singleStatement, resolve, reject } as Job<unknown>);
    });

  return {
    insert: (rows) => enqueue(() => insertAll(rows), rows.length === 1),
    rotate: (oldId, nowMs, successors, grace) =>
      enqueue((): RotationOutcome => {
        if (retire.run(nowMs, oldId).changes === 1) {
          insertAll(successors);
          return 'rotated';
        }
        if (grace === null) return 'refused';
        const old = readRetired.get(oldId);
        if (!old || old.revoked_at !== null || old.rotated_at === null || Number(old.rotated_at) < grace.retiredSinceMs) return 'refused';
        if (Number(countSuccessors.get(oldId)) >= grace.maxSuccessors) return 'exhausted';
        insertAll(successors);
        return 'branched';
      }),
    async markUsed(entries) {
      // In slices, each its own commit, so a large batch never keeps the event loop for long.
      for (let i = 0; i < entries.length; i += MAX_MARKS_PER_JOB) {
        const slice = entries.slice(i, i + MAX_MARKS_PER_JOB);
        await enqueue(() => {
          for (const [id, at] of slice) setLastUsed.run(at, id);
        });
      }
    },
  };
}
