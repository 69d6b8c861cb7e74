/** Users: `GET /users/me` for any token that acts for a user. */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Context } from '../../context.js';
import { requireUser } from '../auth.js';
import { PROTECTED_ERRORS } from '../schemas.js';

export const CurrentUser = Type.Object(
  {
    id: Type.String(),
    username: Type.String(),
    administrator: Type.Boolean(),
    permissions: Type.Array(Type.String()),
  },
  { $id: 'CurrentUser' },
);


export async function userRoutes(app: FastifyInstance, _opts: { ctx: Context }): Promise<void> {
  app.get(
    '/users/me',
    {
      schema: {
        tags: ['Users'],
        summary: 'The user the token acts for',
        security: [{ bearerAuth: [] }],
        response: { 200: CurrentUser, ...PROTECTED_ERRORS },
      },
    },
    async (request) => {
      const p = requireUser(request);
      return { id: p.userId, username: p.username, administrator: p.administrator, permissions: p.permissions };
    },
  );
}
