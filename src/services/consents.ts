/**
 * Remembered consent at the authorization endpoint: whether a user already allowed a client the
 * scopes it asks for, and recording a new consent (the scopes add up). Forgetting consents is the
 * clients service's (redirect URLs changed) and the authorizations' (Revoke access).
 */
import { isScopeSubset } from '../domain/scope.js';
import type { ConsentStore } from '../store/consent-store.js';
import type { UserActor } from './actor.js';
import type { UnitOfWork } from './unit-of-work.js';

export interface ConsentServiceDeps {
  readonly consents: ConsentStore;
  readonly work: UnitOfWork;
}

export type ConsentService = ReturnType<typeof createConsentService>;

export function createConsentService(deps: ConsentServiceDeps) {
  return {
    /** True when the user already allowed this client every scope in `scopes`. */
    async covers(userId: string, clientId: string, scopes: readonly string[]): Promise<boolean> {
      return isScopeSubset(scopes, (await deps.consents.find(userId, clientId)) ?? []);
    },

    /** The scopes the user allowed this client before (empty when never asked). */
    async allowed(userId: string, clientId: string): Promise<string[]> {
      return (await deps.consents.find(userId, clientId)) ?? [];
    },

    /** Records that the signed-in user allowed the client these scopes. */
    async grant(actor: UserActor, clientId: string, scopes: readonly string[]): Promise<void> {
      await deps.work(actor, (c) => deps.consents.grant(c.trx, actor.id, clientId, scopes, c.nowMs));
    },
  };
}
