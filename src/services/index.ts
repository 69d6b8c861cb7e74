/**
 * Every application service, built once by the composition root (src/context.ts) over the stores.
 * Surfaces receive the narrow set they use.
 */
import type { Config } from '../config.js';
import type { AuditStore } from '../store/audit-store.js';
import type { AuthorizationStore } from '../store/authorization-store.js';
import type { ClientStore } from '../store/client-store.js';
import type { ConsentStore } from '../store/consent-store.js';
import type { Invalidation } from '../store/invalidation.js';
import type { LastUsedRecorder } from '../store/last-used.js';
import type { OneTimeResultStore } from '../store/one-time-result-store.js';
import type { PatStore } from '../store/pat-store.js';
import type { ScopeStore } from '../store/scope-store.js';
import type { SessionStore } from '../store/session-store.js';
import type { TokenAdminStore } from '../store/token-admin-store.js';
import type { UserStore } from '../store/user-store.js';
import { createAuditLogService, type AuditLogService } from './audit-log.js';
import { createAuthorizationService, type AuthorizationService } from './authorizations.js';
import { createClientService, type ClientService } from './clients.js';
import { createConsentService, type ConsentService } from './consents.js';
import { createOneTimeResultService, type OneTimeResultService } from './one-time-results.js';
import { createPatService, type PatService } from './pats.js';
import { createScopeService, type ScopeService } from './scopes.js';
import { createTokenHygieneService, type TokenHygieneService } from './token-hygiene.js';
import { createUnitOfWork } from './unit-of-work.js';
import { createUserService, type UserService } from './users.js';

export interface Services {
  readonly clients: ClientService;
  readonly users: UserService;
  readonly pats: PatService;
  readonly tokenHygiene: TokenHygieneService;
  readonly consents: ConsentService;
  readonly auditLog: AuditLogService;
  /** Secrets and tokens a console form made, kept sealed until their page shows them once. */
  readonly oneTimeResults: OneTimeResultService;
  readonly authorizations: AuthorizationService;
  readonly scopes: ScopeService;
}

export interface ServiceStores {
  readonly clients: ClientStore;
  readonly users: UserStore;
  readonly pats: PatStore;
  readonly tokenAdmin: TokenAdminStore;
  readonly consents: ConsentStore;
  readonly sessions: SessionStore;
  readonly audit: AuditStore;
  readonly scopes: ScopeStore;
  readonly oneTimeResults: OneTimeResultStore;
  readonly authorizations: AuthorizationStore;
}

export interface ServiceDeps {
  readonly config: Pick<Config, 'patTtlSeconds' | 'patMaxTtlSeconds' | 'tokenRotationDays'>;
  readonly stores: ServiceStores;
  readonly invalidation: Pick<Invalidation, 'revoke'>;
  readonly lastUsed: Pick<LastUsedRecorder, 'flush'>;
  /** 32 bytes that seal one-time results (WebKeys.resultKey). */
  readonly resultKey: Buffer;
  readonly now: () => number;
}

export function createServices(deps: ServiceDeps): Services {
  const { stores, now } = deps;
  const work = createUnitOfWork({ invalidation: deps.invalidation, audit: stores.audit, now });
  return {
    clients: createClientService({ clients: stores.clients, scopes: stores.scopes, consents: stores.consents, work, now }),
    users: createUserService({ users: stores.users, sessions: stores.sessions, work }),
    pats: createPatService({
      pats: stores.pats,
      scopes: stores.scopes,
      users: stores.users,
      work,
      lastUsed: deps.lastUsed,
      policy: { patTtlSeconds: deps.config.patTtlSeconds, patMaxTtlSeconds: deps.config.patMaxTtlSeconds },
      now,
    }),
    tokenHygiene: createTokenHygieneService({ admin: stores.tokenAdmin, lastUsed: deps.lastUsed, work, rotationDays: deps.config.tokenRotationDays, now }),
    consents: createConsentService({ consents: stores.consents, work }),
    auditLog: createAuditLogService({ audit: stores.audit }),
    oneTimeResults: createOneTimeResultService({ results: stores.oneTimeResults, key: deps.resultKey, now }),
    scopes: createScopeService({ scopes: stores.scopes, work }),
    authorizations: createAuthorizationService({ authorizations: stores.authorizations, consents: stores.consents, users: stores.users, lastUsed: deps.lastUsed, work, now }),
  };
}
