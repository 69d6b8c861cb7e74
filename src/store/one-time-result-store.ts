/**
 * The `one_time_results` table, persistence only: rows hold values already sealed by the service
 * (src/services/one-time-results.ts). Taking a row deletes it in the same statement, so two
 * requests (two tabs, two nodes) cannot both show it.
 */
import type { Store } from './db.js';

export interface OneTimeResultRow {
  readonly id: string;
  readonly sessionHash: string;
  readonly sealed: string;
  readonly createdAt: number;
  readonly expiresAt: number;
}

export type OneTimeResultStore = ReturnType<typeof createOneTimeResultStore>;

export function createOneTimeResultStore(store: Store) {
  const { db } = store;
  return {
    /** Keeps a row; expired rows of anyone are cleaned up on the way (they are few and short-lived). */
    async insert(row: OneTimeResultRow): Promise<void> {
      await db.deleteFrom('one_time_results').where('expires_at', '<=', row.createdAt).execute();
      await db
        .insertInto('one_time_results')
        .values({ id: row.id, session_hash: row.sessionHash, sealed: row.sealed, created_at: row.createdAt, expires_at: row.expiresAt })
        .execute();
    },

    /** Deletes the row of this session and returns its sealed value, or null (taken, expired, another session's). */
    async take(id: string, sessionHash: string, nowMs: number): Promise<string | null> {
      const row = await db
        .deleteFrom('one_time_results')
        .where('id', '=', id)
        .where('session_hash', '=', sessionHash)
        .returning(['sealed', 'expires_at'])
        .executeTakeFirst();
      return row && Number(row.expires_at) > nowMs ? row.sealed : null;
    },
  };
}
