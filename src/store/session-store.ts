/** Browser sessions: the cookie holds a random id; only its SHA-256 digest is stored. */
import type { Kysely } from 'kysely';
import { hashSecret, issueSecret } from '../domain/secret.js';
import type { Store } from './db.js';
import type { Database } from './schema.js';

export interface SessionRecord {
  readonly userId: string;
  readonly expiresAt: number;
}

export type SessionStore = ReturnType<typeof createSessionStore>;

export function createSessionStore(store: Store) {
  const { db } = store;
  return {
    /** Starts a new session (a fresh id at every login); returns the raw id for the cookie. */
    async create(userId: string, ttlSeconds: number, nowMs = Date.now()): Promise<string> {
      const id = issueSecret('session');
      await db
        .insertInto('sessions')
        .values({ id_hash: hashSecret(id), user_id: userId, created_at: nowMs, expires_at: nowMs + ttlSeconds * 1000, last_seen_at: nowMs })
        .execute();
      // Expired sessions of anyone are cleaned up opportunistically.
      await db.deleteFrom('sessions').where('expires_at', '<', nowMs).execute();
      return id;
    },

    async find(id: string, nowMs = Date.now()): Promise<SessionRecord | null> {
      const row = await db
        .selectFrom('sessions')
        .select(['user_id', 'expires_at'])
        .where('id_hash', '=', hashSecret(id))
        .where('expires_at', '>', nowMs)
        .executeTakeFirst();
      return row ? { userId: row.user_id, expiresAt: Number(row.expires_at) } : null;
    },

    async delete(id: string): Promise<void> {
      await db.deleteFrom('sessions').where('id_hash', '=', hashSecret(id)).execute();
    },

    /** Ends every session of a user but the one whose digest is `keepHash`; returns how many ended. */
    async deleteForUser(trx: Kysely<Database>, userId: string, keepHash?: string): Promise<number> {
      let q = trx.deleteFrom('sessions').where('user_id', '=', userId);
      if (keepHash !== undefined) q = q.where('id_hash', '!=', keepHash);
      const res = await q.executeTakeFirst();
      return Number(res.numDeletedRows);
    },
  };
}
