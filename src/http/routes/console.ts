/** The console pages: Auth Clients, Tokens, Users, Audit log and the user's own tokens. */
import type { FastifyInstance } from 'fastify';
import type { Context } from '../../context.js';

export async function consoleRoutes(_app: FastifyInstance, _ctx: Context): Promise<void> {
  // Each console area registers its pages here.
}
