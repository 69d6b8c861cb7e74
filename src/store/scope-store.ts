/**
 * The scope catalog (custom scopes for the teams' own APIs), persistence only. `api` and
 * `api:read` are built in and never stored here. Deleting a scope also strips its name from
 * every client, consent, pending code and token in the caller's transaction (`stripEverywhere`).
 */
import type { Kysely } from 'kysely';
import type { Store } from './db.js';
import { containsText, isUniqueViolation, parseJsonArray, splitScopes, toDate } from './db.js';
import type { Database } from './schema.js';

export interface ScopeRecord {
  readonly name: string;
  readonly description: string;
  readonly createdAt: Date;
}

/** The name is taken (the primary key refused the row). */
export class DuplicateScopeError extends Error {
  override readonly name = 'DuplicateScopeError';
  constructor() {
    super('a scope with this name already exists');
  }
}

/** What stripping a scope changed. */
export interface ScopeStripResult {
  /** Clients that held the scope. */
  readonly clientIds: readonly string[];
  /** Consents that held it (those left with no scope are forgotten). */
  readonly consents: number;
  /** Tokens that held it, still working or not. */
  readonly tokens: number;
  /** Tokens left with no scope, now revoked. */
  readonly tokensRevoked: number;
  /** Digests of every token whose scopes changed (to flush from the token-check caches). */
  readonly tokenHashes: readonly string[];
}

export type ScopeStore = ReturnType<typeof createScopeStore>;

const row = (r: { name: string; description: string; created_at: number | string }): ScopeRecord => ({
  name: r.name,
  description: r.description,
  createdAt: toDate(Number(r.created_at)),
});

/** The list without `name`, or null when it did not hold it. */
function without(list: readonly string[], name: string): string[] | null {
  return list.includes(name) ? list.filter((s) => s !== name) : null;
}

export function createScopeStore(store: Store) {
  const { db } = store;
  return {
    async list(q: Kysely<Database> = db): Promise<ScopeRecord[]> {
      return (await q.selectFrom('scopes').selectAll().orderBy('name').execute()).map(row);
    },

    async find(name: string, q: Kysely<Database> = db): Promise<ScopeRecord | null> {
      const r = await q.selectFrom('scopes').selectAll().where('name', '=', name).executeTakeFirst();
      return r ? row(r) : null;
    },

    /** The names among `names` that are in the catalog. */
    async existing(names: readonly string[], q: Kysely<Database> = db): Promise<Set<string>> {
      if (names.length === 0) return new Set();
      const rows = await q.selectFrom('scopes').select('name').where('name', 'in', [...names]).execute();
      return new Set(rows.map((r) => r.name));
    },

    /** Inserts a scope; throws DuplicateScopeError when the name is taken. */
    async insert(trx: Kysely<Database>, input: { readonly name: string; readonly description: string }, nowMs: number): Promise<ScopeRecord> {
      try {
        await trx.insertInto('scopes').values({ name: input.name, description: input.description, created_at: nowMs }).execute();
      } catch (err) {
        if (isUniqueViolation(err)) throw new DuplicateScopeError();
        throw err;
      }
      return { name: input.name, description: input.description, createdAt: toDate(nowMs) };
    },

    async updateDescription(trx: Kysely<Database>, name: string, description: string): Promise<boolean> {
      const res = await trx.updateTable('scopes').set({ description }).where('name', '=', name).executeTakeFirst();
      return Number(res.numUpdatedRows) > 0;
    },

    async remove(trx: Kysely<Database>, name: string): Promise<boolean> {
      const res = await trx.deleteFrom('scopes').where('name', '=', name).executeTakeFirst();
      return Number(res.numDeletedRows) > 0;
    },

    /**
     * Removes `name` from every client's allowed scopes, every consent, every pending
     * authorization code and every token, for good (so creating the name again revives nothing).
     * A token left with no scope is revoked; a consent or code left with none is deleted.
     * LIKE narrows the rows; the exact match is made on the parsed lists.
     */
    async stripEverywhere(trx: Kysely<Database>, name: string, nowMs: number): Promise<ScopeStripResult> {
      const clientIds: string[] = [];
      const clients = await trx.selectFrom('clients').select(['id', 'scopes']).where(containsText('scopes', JSON.stringify(name))).execute();
      for (const c of clients) {
        const left = without(parseJsonArray(c.scopes), name);
        if (left === null) continue;
        await trx.updateTable('clients').set({ scopes: JSON.stringify(left), updated_at: nowMs }).where('id', '=', c.id).execute();
        clientIds.push(c.id);
      }

      let consents = 0;
      const consentRows = await trx.selectFrom('consents').select(['user_id', 'client_id', 'scopes']).where(containsText('scopes', name)).execute();
      for (const c of consentRows) {
        const left = without(splitScopes(c.scopes), name);
        if (left === null) continue;
        consents++;
        if (left.length === 0) await trx.deleteFrom('consents').where('user_id', '=', c.user_id).where('client_id', '=', c.client_id).execute();
        else await trx.updateTable('consents').set({ scopes: left.join(' '), updated_at: nowMs }).where('user_id', '=', c.user_id).where('client_id', '=', c.client_id).execute();
      }

      const codes = await trx.selectFrom('authorization_codes').select(['id', 'scopes']).where(containsText('scopes', name)).execute();
      for (const c of codes) {
        const left = without(splitScopes(c.scopes), name);
        if (left === null) continue;
        if (left.length === 0) await trx.deleteFrom('authorization_codes').where('id', '=', c.id).execute();
        else await trx.updateTable('authorization_codes').set({ scopes: left.join(' ') }).where('id', '=', c.id).execute();
      }

      let tokens = 0;
      let tokensRevoked = 0;
      const tokenHashes: string[] = [];
      const tokenRows = await trx.selectFrom('tokens').select(['id', 'token_hash', 'scopes', 'revoked_at']).where(containsText('scopes', name)).execute();
      for (const t of tokenRows) {
        const left = without(splitScopes(t.scopes), name);
        if (left === null) continue;
        tokens++;
        tokenHashes.push(t.token_hash);
        const revoke = left.length === 0 && t.revoked_at === null;
        if (revoke) tokensRevoked++;
        await trx
          .updateTable('tokens')
          .set({ scopes: left.join(' '), ...(revoke ? { revoked_at: nowMs } : {}) })
          .where('id', '=', t.id)
          .execute();
      }
      return { clientIds, consents, tokens, tokensRevoked, tokenHashes };
    },
  };
}
