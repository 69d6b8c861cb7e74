/**
 * The OAuth 2.0 endpoints. /oauth/token, /oauth/revoke and /oauth/introspect answer JSON in the
 * RFC 6749 §5.2 format from their own scope's error handler; /oauth/authorize is a browser page
 * and keeps the app's HTML error handling.
 */
import type { FastifyInstance } from 'fastify';
import type { Context } from '../../../context.js';
import type { TokenEndpointDeps } from '../../../oauth/token-endpoint.js';
import { authorizeRoutes } from './authorize.js';
import { deviceRoutes } from '../device.js';
import { tokenRoutes } from './token.js';

export async function oauthRoutes(app: FastifyInstance, ctx: Context): Promise<void> {
  const deps: TokenEndpointDeps = {
    config: ctx.config,
    tokens: ctx.tokens,
    codes: ctx.codes,
    deviceCodes: ctx.deviceCodes,
    users: ctx.users,
    clients: ctx.clientLookup,
    passwordThrottle: ctx.passwordThrottle,
    scopes: ctx.scopes,
    now: ctx.now,
  };
  await app.register(async (scope) => tokenRoutes(scope, { deps, tokens: ctx.tokens, tokenCheck: ctx.tokenCheck, issuer: ctx.config.issuer, deviceCodes: ctx.deviceCodes, metrics: ctx.metrics }));
  await app.register(async (scope) => deviceRoutes(scope, { verification: ctx.deviceVerification, scopes: ctx.services.scopes, consents: ctx.services.consents }));
  await app.register(async (scope) => authorizeRoutes(scope, { clients: ctx.clientLookup, codes: ctx.codes, consents: ctx.services.consents, scopes: ctx.services.scopes, catalog: ctx.scopes, now: ctx.now, issuer: ctx.config.issuer }));
}
