/**
 * Personal access tokens: the only way to create, list, read and revoke them, whatever the
 * surface (REST API, "My API tokens", an administrator's user page, CLI `pat:create`). The raw
 * token is returned once by `create`; only its SHA-256 digest is stored.
 *
 * Who may (policy.ts): the owner or an administrator, and only with a browser session or a
 * personal access token: an access token an application obtained gets 403, so a delegated token
 * cannot mint a permanent one.
 */
import { expiryFrom } from '../domain/token.js';
import { addFieldError, type FieldErrors } from '../domain/field-errors.js';
import { choosePatClient, patExpiryProblem, patNameProblem } from '../domain/pat.js';
import { displayPrefix, hashSecret, issueSecret } from '../domain/secret.js';
import { InvalidScopeError } from '../oauth/errors.js';
import { resolveGrantScopes, type ScopeCatalog } from '../oauth/scope-resolution.js';
import type { LastUsedRecorder } from '../store/last-used.js';
import type { PatStore, PersonalAccessToken } from '../store/pat-store.js';
import { revokeSelected } from '../store/token-revocation.js';
import type { UserStore } from '../store/user-store.js';
import type { Actor } from './actor.js';
import { NotFoundError, ValidationError } from './errors.js';
import { authorize } from './policy.js';
import type { UnitOfWork } from './unit-of-work.js';

export interface NewPat {
  readonly name: string;
  /** May be left out while exactly one client has `personal_access_client`. */
  readonly clientId?: string | undefined;
  readonly scopes?: readonly string[] | undefined;
  /**
   * Absolute expiry: ms or an ISO 8601 string; null = never (refused under KEYGATE_PAT_MAX_TTL);
   * undefined = the default lifetime (KEYGATE_PAT_TTL).
   */
  readonly expiresAt?: number | string | null | undefined;
}

export interface PatPolicy {
  readonly patTtlSeconds: number;
  readonly patMaxTtlSeconds: number | undefined;
}

export interface PatServiceDeps {
  readonly pats: PatStore;
  readonly scopes: ScopeCatalog;
  readonly users: Pick<UserStore, 'findById'>;
  readonly work: UnitOfWork;
  readonly lastUsed: Pick<LastUsedRecorder, 'flush'>;
  readonly policy: PatPolicy;
  readonly now: () => number;
}

const EXPIRY_UNREADABLE = 'The Expires at field must be an ISO 8601 date-time, or null for never.';

function expiryMs(value: NewPat['expiresAt'], nowMs: number, ttlSeconds: number): number | null | 'unreadable' {
  if (value === undefined) return expiryFrom(nowMs, ttlSeconds);
  if (value === null) return null;
  if (typeof value === 'number') return Number.isFinite(value) ? value : 'unreadable';
  if (!/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(value.trim())) return 'unreadable';
  const ms = Date.parse(value.trim());
  return Number.isFinite(ms) ? ms : 'unreadable';
}

export type PatService = ReturnType<typeof createPatService>;

export function createPatService(deps: PatServiceDeps) {
  const { pats, work } = deps;

  /** The owner, after the policy allowed the actor to manage their tokens. */
  const owner = async (actor: Actor, ownerId: string) => {
    authorize(actor, { action: 'pat.manage', ownerId });
    const user = ownerId.length <= 100 ? await deps.users.findById(ownerId) : null;
    if (!user) throw new NotFoundError('user');
    return user;
  };

  return {
    /** The clients that can mint PATs (for the create form). */
    patClients: () => pats.patClients(),

    /** The owner's tokens that are not revoked (expired ones included, so people see why one stopped). */
    async list(actor: Actor, ownerId: string, options: { page: number; perPage: number }): Promise<{ data: PersonalAccessToken[]; total: number }> {
      const user = await owner(actor, ownerId);
      await deps.lastUsed.flush();
      return pats.list(user.id, options);
    },

    async get(actor: Actor, ownerId: string, tokenId: string): Promise<PersonalAccessToken> {
      const user = await owner(actor, ownerId);
      await deps.lastUsed.flush();
      const pat = await pats.find(user.id, tokenId);
      if (!pat) throw new NotFoundError('token');
      return pat;
    },

    /**
     * Validates and issues a PAT; the raw token is in the result once and nowhere else.
     * `formErrors` are problems the surface already found reading its form (reported together).
     */
    async create(actor: Actor, ownerId: string, input: NewPat, formErrors: FieldErrors = {}): Promise<{ token: string; pat: PersonalAccessToken }> {
      const user = await owner(actor, ownerId);
      const nowMs = deps.now();
      const errors: FieldErrors = { ...formErrors };
      const nameProblem = patNameProblem(input.name);
      if (nameProblem) addFieldError(errors, 'name', nameProblem);
      if (!errors.expires_at) {
        const expiresAt = expiryMs(input.expiresAt, nowMs, deps.policy.patTtlSeconds);
        const problem = expiresAt === 'unreadable' ? EXPIRY_UNREADABLE : patExpiryProblem(expiresAt, nowMs, deps.policy.patMaxTtlSeconds);
        if (problem) addFieldError(errors, 'expires_at', problem);
      }
      const client = choosePatClient(input.clientId, await pats.patClients());
      if ('error' in client) addFieldError(errors, 'client_id', client.error);
      // The grants' scope rule, on the PAT client's allowed scopes (none asked for: `api`).
      const scopes = 'error' in client ? [] : await resolveGrantScopes(input.scopes ?? [], client, deps.scopes).catch((err: unknown) => {
        if (!(err instanceof InvalidScopeError)) throw err;
        addFieldError(errors, 'scopes', err.description);
        return [];
      });
      if (Object.keys(errors).length > 0 || 'error' in client) throw new ValidationError(errors);
      const expiresAt = expiryMs(input.expiresAt, nowMs, deps.policy.patTtlSeconds) as number | null;
      const token = issueSecret('personalAccessToken');
      const name = input.name.trim();
      return work(actor, async (c) => {
        authorize(actor, { action: 'pat.manage', ownerId: user.id });
        const id = await pats.insert(c.trx, { tokenHash: hashSecret(token), prefix: displayPrefix(token), name, clientId: client.clientId, userId: user.id, scopes, expiresAt }, c.nowMs);
        await c.audit({
          type: 'token.created',
          tokenId: id,
          details: { kind: 'personal_access_token', name, user_id: user.id, client_id: client.clientId, scopes, expires_at: expiresAt === null ? null : new Date(expiresAt).toISOString() },
        });
        return { token, pat: (await pats.find(user.id, id, c.trx))! };
      });
    },

    /** Revokes one of the owner's PATs; every token-check cache forgets it before this returns. */
    async revoke(actor: Actor, ownerId: string, tokenId: string): Promise<PersonalAccessToken> {
      const user = await owner(actor, ownerId);
      return work(actor, async (c) => {
        const pat = await pats.find(user.id, tokenId, c.trx);
        if (!pat) throw new NotFoundError('token');
        const revoked = await revokeSelected(c.trx, { ids: [pat.id], userId: user.id, kinds: ['personal_access_token'] }, c.nowMs, { includeExpired: true });
        if (revoked.count === 0) throw new NotFoundError('token');
        c.invalidate({ kind: 'tokens', hashes: revoked.hashes });
        await c.audit({ type: 'token.revoked', tokenId: pat.id, details: { kind: 'personal_access_token', name: pat.name, user_id: user.id, client_id: pat.clientId } });
        return pat;
      });
    },
  };
}
