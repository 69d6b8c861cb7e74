/**
 * Remembered consent: which scopes a user has allowed a client, persistence only
 * (src/services/consents.ts). The next authorization request for the same client asking for
 * nothing more skips the consent page.
 */
import type { Kysely } from 'kysely';
import type { Store } from './db.js';
import { splitScopes } from './db.js';
import type { Database } from './schema.js';

export interface ConsentRecord {
  readonly clientId: string;
  readonly scopes: string[];
  readonly createdAt: number;
  readonly updatedAt: number;
}

export type ConsentStore = ReturnType<typeof createConsentStore>;

export function createConsentStore(store: Store) {
  const { db } = store;
  return {
    /** The scopes the user has allowed this client, or null when never asked. */
    async find(userId: string, clientId: string, q: Kysely<Database> = db): Promise<string[] | null> {
      const row = await q.selectFrom('consents').select('scopes').where('user_id', '=', userId).where('client_id', '=', clientId).executeTakeFirst();
      return row ? splitScopes(row.scopes) : null;
    },

    /** Every consent the user gave. */
    async listForUser(userId: string, q: Kysely<Database> = db): Promise<ConsentRecord[]> {
      const rows = await q.selectFrom('consents').select(['client_id', 'scopes', 'created_at', 'updated_at']).where('user_id', '=', userId).execute();
      return rows.map((r) => ({ clientId: r.client_id, scopes: splitScopes(r.scopes), createdAt: Number(r.created_at), updatedAt: Number(r.updated_at) }));
    },

    /** Records consent to `scopes`, adding them to what was allowed before (in the caller's transaction). */
    async grant(trx: Kysely<Database>, userId: string, clientId: string, scopes: readonly string[], nowMs: number): Promise<void> {
      const before = await this.find(userId, clientId, trx);
      const merged = [...new Set([...(before ?? []), ...scopes])].join(' ');
      await trx
        .insertInto('consents')
        .values({ user_id: userId, client_id: clientId, scopes: merged, created_at: nowMs, updated_at: nowMs })
        .onConflict((oc) => oc.columns(['user_id', 'client_id']).doUpdateSet({ scopes: merged, updated_at: nowMs }))
        .execute();
    },

    /** Forgets every consent given to a client; returns how many. */
    async forgetClient(trx: Kysely<Database>, clientId: string): Promise<number> {
      const res = await trx.deleteFrom('consents').where('client_id', '=', clientId).executeTakeFirst();
      return Number(res.numDeletedRows);
    },

    /** Forgets one user's consent to one client. */
    async forget(trx: Kysely<Database>, userId: string, clientId: string): Promise<boolean> {
      const res = await trx.deleteFrom('consents').where('user_id', '=', userId).where('client_id', '=', clientId).executeTakeFirst();
      return Number(res.numDeletedRows) > 0;
    },
  };
}
