/**
 * Token hygiene for administrators, whatever the surface (the Tokens page, `GET /api/1.0/tokens`,
 * `POST /api/1.0/tokens/revoke`, `DELETE /api/1.0/tokens/{id}`, CLI `tokens:revoke` and
 * `tokens:purge`): the list of every active token with its filters, revocation of one token or
 * of what a filter matches (with a count-only dry run), and the purge of dead rows.
 */
import { addFieldError, type FieldErrors } from '../domain/field-errors.js';
import { parseBeforeDate } from '../domain/pat.js';
import { hasRevokeCriterion, isTokenKind, type TokenFilterInput } from '../domain/token.js';
import type { LastUsedRecorder } from '../store/last-used.js';
import { describeFilter, type PurgeProgress, type PurgeResult, type TokenAdminStore, type TokenFilter, type TokenOverview } from '../store/token-admin-store.js';
import { revokeSelected } from '../store/token-revocation.js';
import type { Actor } from './actor.js';
import { NotFoundError, ValidationError } from './errors.js';
import { authorize } from './policy.js';
import type { UnitOfWork } from './unit-of-work.js';

export const HYGIENE_MESSAGES = {
  criterionRequired: 'Choose at least one of client, user, token name or created before.',
  kind: 'The kind must be access_token, refresh_token or personal_access_token.',
  before: 'The Before date must be YYYY-MM-DD or an ISO 8601 time.',
} as const;

export interface TokenHygieneDeps {
  readonly admin: TokenAdminStore;
  readonly lastUsed: Pick<LastUsedRecorder, 'flush'>;
  readonly work: UnitOfWork;
  readonly rotationDays: number;
  readonly now: () => number;
}

export type TokenHygieneService = ReturnType<typeof createTokenHygieneService>;

export function createTokenHygieneService(deps: TokenHygieneDeps) {
  const { admin, work } = deps;

  /** Resolves names and dates; unknown clients, users, kinds and unreadable dates are field errors. */
  const resolve = async (input: TokenFilterInput, errors: FieldErrors = {}): Promise<TokenFilter> => {
    const given = (v: string | undefined) => (v !== undefined && v.trim() !== '' ? v.trim() : undefined);
    const filter: { -readonly [K in keyof TokenFilter]: TokenFilter[K] } = {};
    const client = given(input.client);
    if (client !== undefined) {
      const id = await admin.resolveClient(client);
      if (id === null) addFieldError(errors, 'client', `No client with the id or name "${client}".`);
      else filter.clientId = id;
    }
    const user = given(input.user);
    if (user !== undefined) {
      const id = await admin.resolveUser(user);
      if (id === null) addFieldError(errors, 'user', `No user with the id or username "${user}".`);
      else filter.userId = id;
    }
    const kind = given(input.kind);
    if (kind !== undefined) {
      if (isTokenKind(kind)) filter.kind = kind;
      else addFieldError(errors, 'kind', HYGIENE_MESSAGES.kind);
    }
    const name = given(input.name);
    if (name !== undefined) filter.name = name;
    const before = given(input.before);
    if (before !== undefined) {
      const ms = parseBeforeDate(before);
      if (ms === null) addFieldError(errors, 'before', HYGIENE_MESSAGES.before);
      else filter.before = ms;
    }
    if (input.olderThanDays !== undefined) filter.olderThanDays = input.olderThanDays;
    if (input.unusedDays !== undefined) filter.unusedDays = input.unusedDays;
    if (Object.keys(errors).length > 0) throw new ValidationError(errors);
    return filter;
  };

  return {
    /**
     * Active tokens matching the filter, newest first, with last use up to date.
     * `formErrors`: problems the surface found reading its form, reported with the others.
     */
    async list(actor: Actor, input: TokenFilterInput, page: { page: number; perPage: number }, formErrors: FieldErrors = {}): Promise<{ data: TokenOverview[]; total: number }> {
      authorize(actor, { action: 'token.admin' });
      const filter = await resolve(input, { ...formErrors });
      await deps.lastUsed.flush();
      return admin.list(filter, { ...page, rotationDays: deps.rotationDays }, deps.now());
    },

    /**
     * Revokes every active token matching the filter (and the access tokens issued from matching
     * refresh tokens); with `dryRun`, only counts them. Audited as token.bulk_revoked.
     */
    async bulkRevoke(actor: Actor, input: TokenFilterInput, options: { dryRun?: boolean } = {}): Promise<{ count: number; clientName?: string }> {
      authorize(actor, { action: 'token.admin' });
      const errors: FieldErrors = {};
      if (!hasRevokeCriterion(input)) addFieldError(errors, 'filter', HYGIENE_MESSAGES.criterionRequired);
      const filter = await resolve(input, errors);
      if (options.dryRun) return { count: await admin.count(filter, deps.now()) };
      return work(actor, async (c) => {
        const revoked = await admin.revokeMatching(c.trx, filter, c.nowMs);
        if (revoked.hashes.length > 0) c.invalidate({ kind: 'tokens', hashes: revoked.hashes });
        await c.audit({ type: 'token.bulk_revoked', details: { filter: describeFilter(filter), count: revoked.count } });
        return { count: revoked.count };
      });
    },

    /** One active token, as the list shows it (the console's confirmation before revoking it). */
    async get(actor: Actor, tokenId: string): Promise<TokenOverview> {
      authorize(actor, { action: 'token.admin' });
      if (tokenId.length === 0 || tokenId.length > 100) throw new NotFoundError('token');
      await deps.lastUsed.flush();
      const { data } = await admin.list({ id: tokenId }, { page: 1, perPage: 1, rotationDays: deps.rotationDays }, deps.now());
      if (!data[0]) throw new NotFoundError('token');
      return data[0];
    },

    /** Revokes one token of any kind (a refresh token takes the access tokens issued from it along). */
    async revoke(actor: Actor, tokenId: string): Promise<void> {
      authorize(actor, { action: 'token.admin' });
      await work(actor, async (c) => {
        const token = await admin.find(tokenId, c.trx);
        if (!token || token.revokedAt !== null) throw new NotFoundError('token');
        const revoked = await revokeSelected(c.trx, { ids: [token.id] }, c.nowMs, { withChildren: token.kind === 'refresh_token', includeExpired: true });
        if (revoked.count === 0) throw new NotFoundError('token');
        c.invalidate({ kind: 'tokens', hashes: revoked.hashes });
        await c.audit({ type: 'token.revoked', tokenId: token.id, details: { kind: token.kind, name: token.name, user_id: token.userId, client_id: token.clientId } });
      });
    },

    /** How many rows a purge would delete now. */
    async purgeable(actor: Actor): Promise<number> {
      authorize(actor, { action: 'token.admin' });
      return admin.purgeable(deps.now());
    },

    /** Deletes expired and revoked tokens and expired authorization codes, in short batches. */
    async purge(actor: Actor, options: { batchSize?: number; pauseMs?: number; onProgress?: (p: PurgeProgress) => void } = {}): Promise<PurgeResult> {
      authorize(actor, { action: 'token.admin' });
      return admin.purge({ ...options, nowMs: deps.now() });
    },
  };
}
