/**
 * Remembered consent: which scopes a user has allowed a client. The next authorization request
 * for the same client asking for nothing more skips the consent page.
 */
import type { Store } from './db.js';
import { splitScopes } from './db.js';

export type ConsentStore = ReturnType<typeof createConsentStore>;

export function createConsentStore(store: Store) {
  const { db } = store;
  return {
    /** The scopes the user has allowed this client, or null when never asked. */
    async find(userId: string, clientId: string): Promise<string[] | null> {
      const row = await db
        .selectFrom('consents')
        .select('scopes')
        .where('user_id', '=', userId)
        .where('client_id', '=', clientId)
        .executeTakeFirst();
      return row ? splitScopes(row.scopes) : null;
    },

    /** Records consent to `scopes`, adding them to what was allowed before. */
    async grant(userId: string, clientId: string, scopes: readonly string[], nowMs = Date.now()): Promise<void> {
      await db.transaction().execute(async (trx) => {
        const row = await trx
          .selectFrom('consents')
          .select('scopes')
          .where('user_id', '=', userId)
          .where('client_id', '=', clientId)
          .executeTakeFirst();
        const merged = [...new Set([...(row ? splitScopes(row.scopes) : []), ...scopes])].join(' ');
        await trx
          .insertInto('consents')
          .values({ user_id: userId, client_id: clientId, scopes: merged, created_at: nowMs, updated_at: nowMs })
          .onConflict((oc) => oc.columns(['user_id', 'client_id']).doUpdateSet({ scopes: merged, updated_at: nowMs }))
          .execute();
      });
    },
  };
}
