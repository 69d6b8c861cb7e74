/**
 * The OAuth 2.0 endpoints. /oauth/token, /oauth/revoke and /oauth/introspect answer JSON in the
 * RFC 6749 §5.2 format from their own scope's error handler; /oauth/authorize is a browser page
 * and keeps the app's HTML error handling.
 */
import type { FastifyInstance } from 'fastify';
import type { Context } from '../../../context.js';
import { createClientCache } from '../../../oauth/client-cache.js';
import type { TokenEndpointDeps } from '../../../oauth/token-endpoint.js';
import { createCodeStore } from '../../../store/code-store.js';
import { createConsentStore } from '../../../store/consent-store.js';
import { authorizeRoutes } from './authorize.js';
import { tokenRoutes } from './token.js';

export async function oauthRoutes(app: FastifyInstance, ctx: Context): Promise<void> {
  const codes = createCodeStore(ctx.store);
  const consents = createConsentStore(ctx.store);
  const deps: TokenEndpointDeps = {
    config: ctx.config,
    tokens: ctx.tokens,
    codes,
    users: ctx.users,
    // Every client change goes through ctx.invalidation, which empties this cache everywhere.
    clients: createClientCache(ctx.clients, ctx.invalidation),
    passwordThrottle: ctx.passwordThrottle,
    now: Date.now,
  };
  await app.register(async (scope) => tokenRoutes(scope, ctx, deps));
  await app.register(async (scope) => authorizeRoutes(scope, ctx, { codes, consents }));
}
