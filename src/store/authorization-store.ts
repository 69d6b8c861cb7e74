/**
 * The applications a user authorized, persistence only (src/services/authorizations.ts decides
 * who may see and withdraw them): every client the user consented to or holds live access or
 * refresh tokens from. Personal access tokens are not authorizations (they have their own page),
 * and neither are a client's own client-credentials tokens (they have no user).
 */
import type { Kysely } from 'kysely';
import type { Store } from './db.js';
import { splitScopes } from './db.js';
import type { Database } from './schema.js';

export interface AuthorizationRecord {
  readonly clientId: string;
  readonly clientName: string;
  /** What the user allowed (the consent) and what live tokens hold, without repeats. */
  readonly scopes: string[];
  /** The earliest of the consent and the live tokens. */
  readonly createdAt: number;
  /** The latest use of a live token, or null. */
  readonly lastUsedAt: number | null;
}

const OAUTH_KINDS = ['access_token', 'refresh_token'];

export type AuthorizationStore = ReturnType<typeof createAuthorizationStore>;

export function createAuthorizationStore(store: Store) {
  const { db } = store;

  /** Every authorization of the user (or only the one of `clientId`), by client name. */
  const collect = async (q: Kysely<Database>, userId: string, nowMs: number, clientId?: string): Promise<AuthorizationRecord[]> => {
    let tokens = q
      .selectFrom('tokens')
      .select(['client_id', 'scopes'])
      .select((eb) => [eb.fn.min('created_at').as('created_at'), eb.fn.max('last_used_at').as('last_used_at')])
      .where('user_id', '=', userId)
      .where('kind', 'in', OAUTH_KINDS)
      .where('revoked_at', 'is', null)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', nowMs)]))
      .groupBy(['client_id', 'scopes']);
    let consents = q.selectFrom('consents').select(['client_id', 'scopes', 'created_at']).where('user_id', '=', userId);
    if (clientId !== undefined) {
      tokens = tokens.where('client_id', '=', clientId);
      consents = consents.where('client_id', '=', clientId);
    }
    const [tokenRows, consentRows] = await Promise.all([tokens.execute(), consents.execute()]);
    const byClient = new Map<string, { scopes: Set<string>; createdAt: number; lastUsedAt: number | null }>();
    const add = (id: string, scopes: string, createdAt: number, lastUsedAt: number | null) => {
      const entry = byClient.get(id) ?? { scopes: new Set<string>(), createdAt, lastUsedAt: null };
      for (const s of splitScopes(scopes)) entry.scopes.add(s);
      entry.createdAt = Math.min(entry.createdAt, createdAt);
      if (lastUsedAt !== null && (entry.lastUsedAt === null || lastUsedAt > entry.lastUsedAt)) entry.lastUsedAt = lastUsedAt;
      byClient.set(id, entry);
    };
    for (const c of consentRows) add(c.client_id, c.scopes, Number(c.created_at), null);
    for (const t of tokenRows) add(t.client_id, t.scopes, Number(t.created_at), t.last_used_at === null ? null : Number(t.last_used_at));
    if (byClient.size === 0) return [];
    const clients = await q.selectFrom('clients').select(['id', 'name']).where('id', 'in', [...byClient.keys()]).execute();
    return clients
      .map((c) => {
        const entry = byClient.get(c.id)!;
        return { clientId: c.id, clientName: c.name, scopes: [...entry.scopes], createdAt: entry.createdAt, lastUsedAt: entry.lastUsedAt };
      })
      .sort((a, b) => a.clientName.localeCompare(b.clientName) || a.clientId.localeCompare(b.clientId));
  };

  return {
    listForUser(userId: string, nowMs: number, q: Kysely<Database> = db): Promise<AuthorizationRecord[]> {
      return collect(q, userId, nowMs);
    },

    async find(userId: string, clientId: string, nowMs: number, q: Kysely<Database> = db): Promise<AuthorizationRecord | null> {
      return (await collect(q, userId, nowMs, clientId))[0] ?? null;
    },

    /** Drops the user's authorization codes for the client that were not redeemed yet (in the caller's transaction). */
    async dropPendingCodes(trx: Kysely<Database>, userId: string, clientId: string): Promise<number> {
      const res = await trx.deleteFrom('authorization_codes').where('user_id', '=', userId).where('client_id', '=', clientId).where('consumed_at', 'is', null).executeTakeFirst();
      return Number(res.numDeletedRows);
    },
  };
}
