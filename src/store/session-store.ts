/**
 * Browser sessions: the cookie holds a random id; only its digest is stored — HMAC-SHA256 under
 * the session key derived from KEYGATE_SECRET_KEY or the key file (so a new key ends every
 * session), or plain SHA-256 while the web keys are still stored in the database.
 *
 * A session ends at its absolute expiry (KEYGATE_SESSION_TTL) or when unused for
 * KEYGATE_SESSION_IDLE. Use is recorded in `last_seen_at` at most once a minute per session (more
 * often only for idle timeouts under ten minutes), so a page view is not a write every time.
 */
import type { Kysely } from 'kysely';
import { issueSecret } from '../domain/secret.js';
import type { Store } from './db.js';
import type { Database } from './schema.js';
import { sessionIdDigest } from './settings-store.js';

export interface SessionRecord {
  readonly userId: string;
  readonly expiresAt: number;
}

export interface SessionStoreOptions {
  /** The key session ids are digested with (src/store/settings-store.ts WebKeys.sessionKey). */
  readonly sessionKey?: Buffer | null;
  /** A session unused this long ends (0: never). */
  readonly idleSeconds?: number;
  readonly now?: () => number;
}

/** `last_seen_at` is written at most this often per session. */
const TOUCH_EVERY_MS = 60_000;

export type SessionStore = ReturnType<typeof createSessionStore>;

export function createSessionStore(store: Store, options: SessionStoreOptions = {}) {
  const { db } = store;
  const key = options.sessionKey ?? null;
  const now = options.now ?? Date.now;
  const idleMs = (options.idleSeconds ?? 0) * 1000;
  // Within a tenth of the idle timeout, so a session in use never looks idle.
  const touchEveryMs = idleMs > 0 ? Math.min(TOUCH_EVERY_MS, idleMs / 10) : TOUCH_EVERY_MS;
  const digest = (id: string) => sessionIdDigest(key, id);

  return {
    /** The digest a session id is stored under (what a password change keeps, what the API compares). */
    digest,

    /** Starts a new session (a fresh id at every login); returns the raw id for the cookie. */
    async create(userId: string, ttlSeconds: number, nowMs = now()): Promise<string> {
      const id = issueSecret('session');
      await db
        .insertInto('sessions')
        .values({ id_hash: digest(id), user_id: userId, created_at: nowMs, expires_at: nowMs + ttlSeconds * 1000, last_seen_at: nowMs })
        .execute();
      // Expired and idle sessions of anyone are cleaned up opportunistically.
      await db
        .deleteFrom('sessions')
        .where((eb) => (idleMs > 0 ? eb.or([eb('expires_at', '<', nowMs), eb('last_seen_at', '<', nowMs - idleMs)]) : eb('expires_at', '<', nowMs)))
        .execute();
      return id;
    },

    /** The live session with this id, its use recorded; null when unknown, expired or idle too long. */
    async find(id: string, nowMs = now()): Promise<SessionRecord | null> {
      const idHash = digest(id);
      const row = await db
        .selectFrom('sessions')
        .select(['user_id', 'expires_at', 'last_seen_at'])
        .where('id_hash', '=', idHash)
        .where('expires_at', '>', nowMs)
        .executeTakeFirst();
      if (!row) return null;
      const lastSeen = Number(row.last_seen_at);
      if (idleMs > 0 && nowMs - lastSeen >= idleMs) {
        await db.deleteFrom('sessions').where('id_hash', '=', idHash).execute();
        return null;
      }
      if (nowMs - lastSeen >= touchEveryMs) {
        // Conditional, so nodes that see the same request burst write it once.
        await db.updateTable('sessions').set({ last_seen_at: nowMs }).where('id_hash', '=', idHash).where('last_seen_at', '=', lastSeen).execute();
      }
      return { userId: row.user_id, expiresAt: Number(row.expires_at) };
    },

    async delete(id: string): Promise<void> {
      await db.deleteFrom('sessions').where('id_hash', '=', digest(id)).execute();
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
