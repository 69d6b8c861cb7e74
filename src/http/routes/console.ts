/** The console pages: Auth Clients, Tokens, Users, Audit log and the user's own tokens. */
import type { FastifyInstance } from 'fastify';
import type { Context } from '../../context.js';
import { adminAuditRoutes } from './admin/audit.js';
import { adminAuthClientRoutes } from './admin/auth-clients.js';
import { adminTokenRoutes } from './admin/tokens.js';
import { adminUserRoutes } from './admin/users.js';
import { docsRoutes } from './docs.js';
import { profileRoutes } from './profile.js';

export async function consoleRoutes(app: FastifyInstance, ctx: Context): Promise<void> {
  // Each console area registers its pages here.
  await app.register(async (scope) => adminAuthClientRoutes(scope, ctx));
  await app.register(async (scope) => adminAuditRoutes(scope, ctx));
  await app.register(async (scope) => docsRoutes(scope, ctx));
  await app.register(async (scope) => profileRoutes(scope, ctx));
  await app.register(async (scope) => adminUserRoutes(scope, ctx));
  await app.register(async (scope) => adminTokenRoutes(scope, ctx));
}
