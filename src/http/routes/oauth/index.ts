/** The OAuth 2.0 endpoints (/oauth/authorize, /oauth/token, /oauth/revoke, /oauth/introspect). */
import type { FastifyInstance } from 'fastify';
import type { Context } from '../../../context.js';

export async function oauthRoutes(_app: FastifyInstance, _ctx: Context): Promise<void> {
  // Registered by the OAuth issue.
}
