/**
 * A user's personal access tokens: issue (the raw token is returned once, only its SHA-256 digest
 * is stored), list, read and revoke. Lists and reads never hold the token, only its short prefix.
 * Every issue and revocation is audited with the actor, never with the token.
 */
import type { Kysely } from 'kysely';
import { choosePatClient, parsePatScopes, patExpiryProblem, patNameProblem, type PatClientOption, type PatFieldErrors } from '../domain/pat.js';
import { displayPrefix, hashSecret, issueSecret } from '../domain/secret.js';
import type { Actor, AuditStore } from './audit-store.js';
import type { Store } from './db.js';
import { splitScopes, toDate } from './db.js';
import type { Database } from './schema.js';
import type { TokenStore } from './token-store.js';

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

export interface NewPat {
  readonly userId: string;
  readonly name: string;
  readonly clientId?: string | undefined;
  readonly scopes?: readonly string[] | undefined;
  /** Absolute expiry in ms, or null for never. */
  readonly expiresAt: number | null;
}

export type IssuePatResult =
  | { readonly ok: true; readonly token: string; readonly pat: PersonalAccessToken }
  | { readonly ok: false; readonly errors: PatFieldErrors };

export interface PatPolicy {
  readonly patMaxTtlSeconds: number | undefined;
}

const PAT_KIND = 'personal_access_token';

export type PatStore = ReturnType<typeof createPatStore>;

export function createPatStore(store: Store, tokens: Pick<TokenStore, 'insertToken' | 'revokeWhere'>, audit: Pick<AuditStore, 'record'>) {
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
      const rows = await db.selectFrom('clients').select(['id', 'name', 'types']).orderBy('name_key').execute();
      return rows.filter((r) => r.types.includes('"personal_access_client"')).map((r) => ({ id: r.id, name: r.name }));
    },

    /** Checks a new PAT's fields; returns the field errors, or the scopes and client to use. */
    async check(input: NewPat, policy: PatPolicy, nowMs = Date.now()): Promise<{ errors: PatFieldErrors } | { scopes: string[]; clientId: string }> {
      const errors: PatFieldErrors = {};
      const nameProblem = patNameProblem(input.name);
      if (nameProblem) errors.name = [nameProblem];
      const scopes = parsePatScopes(input.scopes);
      if (typeof scopes === 'string') errors.scopes = [scopes];
      const expiryProblem = patExpiryProblem(input.expiresAt, nowMs, policy.patMaxTtlSeconds);
      if (expiryProblem) errors.expires_at = [expiryProblem];
      const client = choosePatClient(input.clientId, await self.patClients());
      if ('error' in client) errors.client_id = [client.error];
      if (Object.keys(errors).length > 0 || typeof scopes === 'string' || 'error' in client) return { errors };
      return { scopes, clientId: client.clientId };
    },

    /** Validates and issues a PAT; the raw token is in the result once and nowhere else. */
    async issue(input: NewPat, actor: Actor, policy: PatPolicy, nowMs = Date.now()): Promise<IssuePatResult> {
      const checked = await self.check(input, policy, nowMs);
      if ('errors' in checked) return { ok: false, errors: checked.errors };
      const { scopes, clientId } = checked;
      const token = issueSecret('personalAccessToken');
      const name = input.name.trim();
      const id = await db.transaction().execute(async (trx) => {
        const tokenId = await tokens.insertToken(
          {
            tokenHash: hashSecret(token),
            kind: PAT_KIND,
            prefix: displayPrefix(token),
            name,
            clientId,
            userId: input.userId,
            scopes,
            origin: 'personal_access',
            createdAt: nowMs,
            expiresAt: input.expiresAt,
          },
          trx,
        );
        await audit.record(
          { type: 'token.created', actor, subjectType: 'token', subjectId: tokenId, details: { kind: PAT_KIND, name, user_id: input.userId, client_id: clientId, scopes } },
          trx,
          nowMs,
        );
        return tokenId;
      });
      const pat = await self.find(input.userId, id);
      return { ok: true, token, pat: pat! };
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

    async find(userId: string, tokenId: string): Promise<PersonalAccessToken | null> {
      const row = await base(db).where('t.user_id', '=', userId).where('t.id', '=', tokenId).executeTakeFirst();
      return row ? toPat(row) : null;
    },

    /** Revokes one of the user's PATs; every token-check cache forgets it before this returns. */
    async revoke(userId: string, tokenId: string, actor: Actor, nowMs = Date.now()): Promise<boolean> {
      const pat = await self.find(userId, tokenId);
      if (!pat) return false;
      const n = await tokens.revokeWhere(
        (trx) => trx.selectFrom('tokens').select(['id', 'token_hash']).where('id', '=', tokenId).where('user_id', '=', userId).where('kind', '=', PAT_KIND).where('revoked_at', 'is', null).execute(),
        nowMs,
      );
      if (n === 0) return false;
      await audit.record({ type: 'token.revoked', actor, subjectType: 'token', subjectId: tokenId, details: { kind: PAT_KIND, name: pat.name, user_id: userId } }, db, nowMs);
      return true;
    },
  };
  return self;
}
