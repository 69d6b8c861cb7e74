/** Users: `GET /users/me` for any token that acts for a user. */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Context } from '../../context.js';
import { requireUser } from '../auth.js';

export const CurrentUser = Type.Object(
  {
    id: Type.String(),
    username: Type.String(),
    administrator: Type.Boolean(),
    permissions: Type.Array(Type.String()),
  },
  { $id: 'CurrentUser' },
);

export const ErrorMessage = Type.Object({ message: Type.String() });

export async function userRoutes(app: FastifyInstance, _opts: { ctx: Context }): Promise<void> {
  app.get(
    '/users/me',
    {
      schema: {
        tags: ['Users'],
        summary: 'The user the token acts for',
        security: [{ bearerAuth: [] }],
        response: { 200: CurrentUser, 401: ErrorMessage, 403: ErrorMessage },
      },
    },
    async (request) => {
      const p = requireUser(request);
      return { id: p.userId, username: p.username, administrator: p.administrator, permissions: p.permissions };
    },
  );
}
