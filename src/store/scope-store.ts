/**
 * The scope catalog (custom scopes for the teams' own APIs), persistence only. `api` and
 * `api:read` are built in and never stored here.
 */
import type { Kysely } from 'kysely';
import type { Store } from './db.js';
import { toDate } from './db.js';
import type { Database } from './schema.js';

export interface ScopeRecord {
  readonly name: string;
  readonly description: string;
  readonly createdAt: Date;
}

export type ScopeStore = ReturnType<typeof createScopeStore>;

export function createScopeStore(store: Store) {
  const { db } = store;
  return {
    async list(q: Kysely<Database> = db): Promise<ScopeRecord[]> {
      const rows = await q.selectFrom('scopes').selectAll().orderBy('name').execute();
      return rows.map((r) => ({ name: r.name, description: r.description, createdAt: toDate(Number(r.created_at)) }));
    },

    async find(name: string, q: Kysely<Database> = db): Promise<ScopeRecord | null> {
      const row = await q.selectFrom('scopes').selectAll().where('name', '=', name).executeTakeFirst();
      return row ? { name: row.name, description: row.description, createdAt: toDate(Number(row.created_at)) } : null;
    },

    /** The names among `names` that are in the catalog. */
    async existing(names: readonly string[], q: Kysely<Database> = db): Promise<Set<string>> {
      if (names.length === 0) return new Set();
      const rows = await q.selectFrom('scopes').select('name').where('name', 'in', [...names]).execute();
      return new Set(rows.map((r) => r.name));
    },
  };
}
