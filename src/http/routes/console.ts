/** The console pages: Auth Clients, Tokens, Users, Audit log and the user's own tokens. */
import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config.js';
import type { Services } from '../../services/index.js';
import { showExpiredForms } from '../expired-forms.js';
import { adminAuditRoutes } from './admin/audit.js';
import { adminAuthClientRoutes } from './admin/auth-clients.js';
import { adminScopeRoutes } from './admin/scopes.js';
import { adminTokenRoutes } from './admin/tokens.js';
import { adminUserRoutes } from './admin/users.js';
import { appsRoutes } from './apps.js';
import { docsRoutes } from './docs.js';
import { profileRoutes } from './profile.js';

export interface ConsoleDeps {
  readonly services: Services;
  readonly config: Config;
}

export async function consoleRoutes(app: FastifyInstance, { services, config }: ConsoleDeps): Promise<void> {
  // A form posted with an expired CSRF token is shown again with what was typed (routes opt in).
  showExpiredForms(app);
  // Each console area registers its pages here, with the services it uses.
  await app.register(async (scope) => adminAuthClientRoutes(scope, { clients: services.clients, oneTimeResults: services.oneTimeResults, scopes: services.scopes, config }));
  await app.register(async (scope) => adminAuditRoutes(scope, { auditLog: services.auditLog }));
  await app.register(async (scope) => docsRoutes(scope));
  await app.register(async (scope) => profileRoutes(scope, { pats: services.pats, oneTimeResults: services.oneTimeResults, config }));
  await app.register(async (scope) => appsRoutes(scope, { authorizations: services.authorizations }));
  await app.register(async (scope) => adminUserRoutes(scope, { users: services.users, pats: services.pats, oneTimeResults: services.oneTimeResults, config }));
  await app.register(async (scope) => adminScopeRoutes(scope, { scopes: services.scopes }));
  await app.register(async (scope) => adminTokenRoutes(scope, { tokenHygiene: services.tokenHygiene, config }));
}
