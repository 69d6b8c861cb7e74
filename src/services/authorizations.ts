/**
 * The applications a user authorized: the only way to list them and to withdraw one, whatever
 * the surface (REST API `/users/{id}/authorizations`, the console's "Authorized applications").
 *
 * Who may (policy.ts, `authorization.manage`): the user or an administrator, and only with a
 * browser session or a personal access token: an access token an application obtained gets 403,
 * so an application cannot hide or revoke its peers.
 *
 * Withdrawing one revokes every access and refresh token the user holds through that client,
 * drops its pending authorization codes and forgets the consent, in one transaction audited as
 * `authorization.revoked`; every token-check cache forgets the tokens before it returns. The next
 * authorization request of that client asks for consent again. Personal access tokens stay.
 */
import type { AuthorizationRecord, AuthorizationStore } from '../store/authorization-store.js';
import type { ConsentStore } from '../store/consent-store.js';
import type { LastUsedRecorder } from '../store/last-used.js';
import { revokeSelected } from '../store/token-revocation.js';
import type { UserStore } from '../store/user-store.js';
import type { Actor } from './actor.js';
import { NotFoundError } from './errors.js';
import { authorize } from './policy.js';
import type { UnitOfWork } from './unit-of-work.js';

export interface Authorization {
  readonly clientId: string;
  readonly clientName: string;
  readonly scopes: readonly string[];
  readonly createdAt: Date;
  readonly lastUsedAt: Date | null;
}

export interface AuthorizationServiceDeps {
  readonly authorizations: AuthorizationStore;
  readonly consents: Pick<ConsentStore, 'forget'>;
  readonly users: Pick<UserStore, 'findById'>;
  readonly lastUsed: Pick<LastUsedRecorder, 'flush'>;
  readonly work: UnitOfWork;
  readonly now: () => number;
}

function toAuthorization(r: AuthorizationRecord): Authorization {
  return { clientId: r.clientId, clientName: r.clientName, scopes: r.scopes, createdAt: new Date(r.createdAt), lastUsedAt: r.lastUsedAt === null ? null : new Date(r.lastUsedAt) };
}

export type AuthorizationService = ReturnType<typeof createAuthorizationService>;

export function createAuthorizationService(deps: AuthorizationServiceDeps) {
  const { authorizations, work } = deps;

  /** The owner, after the policy allowed the actor to manage their authorizations. */
  const owner = async (actor: Actor, ownerId: string) => {
    authorize(actor, { action: 'authorization.manage', ownerId });
    const user = ownerId.length <= 100 ? await deps.users.findById(ownerId) : null;
    if (!user) throw new NotFoundError('user');
    return user;
  };

  return {
    /** The user's authorized applications, by name. */
    async list(actor: Actor, ownerId: string, options: { page: number; perPage: number }): Promise<{ data: Authorization[]; total: number }> {
      const user = await owner(actor, ownerId);
      await deps.lastUsed.flush();
      const all = await authorizations.listForUser(user.id, deps.now());
      const start = (options.page - 1) * options.perPage;
      return { data: all.slice(start, start + options.perPage).map(toAuthorization), total: all.length };
    },

    /** One authorized application of the user (for a confirmation page). */
    async get(actor: Actor, ownerId: string, clientId: string): Promise<Authorization> {
      const user = await owner(actor, ownerId);
      await deps.lastUsed.flush();
      const found = clientId.length <= 100 ? await authorizations.find(user.id, clientId, deps.now()) : null;
      if (!found) throw new NotFoundError('authorization');
      return toAuthorization(found);
    },

    /** Withdraws the user's authorization of a client; returns what was withdrawn and how many tokens ended. */
    async revoke(actor: Actor, ownerId: string, clientId: string): Promise<{ authorization: Authorization; tokensRevoked: number }> {
      const user = await owner(actor, ownerId);
      return work(actor, async (c) => {
        authorize(actor, { action: 'authorization.manage', ownerId: user.id });
        const found = clientId.length <= 100 ? await authorizations.find(user.id, clientId, c.nowMs, c.trx) : null;
        if (!found) throw new NotFoundError('authorization');
        const revoked = await revokeSelected(c.trx, { userId: user.id, clientId: found.clientId, kinds: ['access_token', 'refresh_token'] }, c.nowMs);
        await authorizations.dropPendingCodes(c.trx, user.id, found.clientId);
        await deps.consents.forget(c.trx, user.id, found.clientId);
        if (revoked.hashes.length > 0) c.invalidate({ kind: 'tokens', hashes: revoked.hashes });
        await c.audit({
          type: 'authorization.revoked',
          userId: user.id,
          details: { client_id: found.clientId, client_name: found.clientName, tokens_revoked: revoked.count },
        });
        return { authorization: toAuthorization(found), tokensRevoked: revoked.count };
      });
    },
  };
}
