/**
 * A user's personal access tokens, persistence only: list and read (never the token, only its
 * short prefix) and the row insert of src/services/pats.ts, which validates, audits and returns
 * the raw token once.
 */
import type { Kysely } from 'kysely';
import type { PatClientOption } from '../domain/pat.js';
import type { Store } from './db.js';
import { parseJsonArray, splitScopes, toDate } from './db.js';
import type { Database } from './schema.js';
import { toRow } from './token-store.js';

export interface PersonalAccessToken {
  readonly id: string;
  readonly name: string;
  readonly userId: string;
  readonly clientId: string;
  readonly clientName: string;
  readonly scopes: string[];
  readonly prefix: string;
  readonly createdAt: Date;
  readonly expiresAt: Date | null;
  readonly lastUsedAt: Date | null;
}

const PAT_KIND = 'personal_access_token';

export type PatStore = ReturnType<typeof createPatStore>;

export function createPatStore(store: Store) {
  const { db } = store;

  const base = (q: Kysely<Database>) =>
    q
      .selectFrom('tokens as t')
      .innerJoin('clients as c', 'c.id', 't.client_id')
      .select(['t.id', 't.name', 't.user_id', 't.client_id', 'c.name as client_name', 't.scopes', 't.prefix', 't.created_at', 't.expires_at', 't.last_used_at'])
      .where('t.kind', '=', PAT_KIND)
      .where('t.revoked_at', 'is', null);

  type Row = Awaited<ReturnType<ReturnType<typeof base>['executeTakeFirstOrThrow']>>;
  const toPat = (r: Row): PersonalAccessToken => ({
    id: r.id,
    name: r.name ?? '',
    userId: r.user_id ?? '',
    clientId: r.client_id,
    clientName: r.client_name,
    scopes: splitScopes(r.scopes),
    prefix: r.prefix,
    createdAt: toDate(r.created_at),
    expiresAt: toDate(r.expires_at),
    lastUsedAt: toDate(r.last_used_at),
  });

  const self = {
    /** Clients holding `personal_access_client`, by name. */
    async patClients(): Promise<PatClientOption[]> {
      const rows = await db.selectFrom('clients').select(['id', 'name', 'types', 'scopes']).orderBy('name_key').execute();
      return rows.filter((r) => r.types.includes('"personal_access_client"')).map((r) => ({ id: r.id, name: r.name, scopes: parseJsonArray(r.scopes) }));
    },

    /** Inserts a PAT row in the caller's transaction; returns its id. */
    async insert(
      trx: Kysely<Database>,
      input: { tokenHash: string; prefix: string; name: string; clientId: string; userId: string; scopes: readonly string[]; expiresAt: number | null },
      nowMs: number,
    ): Promise<string> {
      const row = toRow({ ...input, kind: PAT_KIND, origin: 'personal_access', createdAt: nowMs });
      await trx.insertInto('tokens').values(row).execute();
      return row.id;
    },

    /** The user's tokens that are not revoked (expired ones included, so people see why one stopped), newest first. */
    async list(userId: string, options: { page: number; perPage: number }): Promise<{ data: PersonalAccessToken[]; total: number }> {
      const total = await db
        .selectFrom('tokens')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('user_id', '=', userId)
        .where('kind', '=', PAT_KIND)
        .where('revoked_at', 'is', null)
        .executeTakeFirstOrThrow();
      const rows = await base(db)
        .where('t.user_id', '=', userId)
        .orderBy('t.created_at', 'desc')
        .orderBy('t.id', 'desc')
        .limit(options.perPage)
        .offset((options.page - 1) * options.perPage)
        .execute();
      return { data: rows.map(toPat), total: Number(total.n) };
    },

    async find(userId: string, tokenId: string, q: Kysely<Database> = db): Promise<PersonalAccessToken | null> {
      if (tokenId.length > 100) return null;
      const row = await base(q).where('t.user_id', '=', userId).where('t.id', '=', tokenId).executeTakeFirst();
      return row ? toPat(row) : null;
    },

  };
  return self;
}
