/**
 * Authorized applications: `GET /users/{id}/authorizations` and
 * `DELETE /users/{id}/authorizations/{clientId}`, a thin adapter over the authorizations service:
 * the user themself or an administrator, with a session or a personal access token
 * (src/services/policy.ts). Deleting one revokes every token the user holds through that client
 * and forgets the consent.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Authorization, AuthorizationService } from '../../services/authorizations.js';
import { actorOf } from '../auth.js';
import { ErrorMessage, ListOf, pageOf, PageQuery, PROTECTED_ERRORS, ValidationError } from '../schemas.js';
import { UserIdParams } from './users.js';

export const AuthorizationView = Type.Object(
  {
    client_id: Type.String(),
    client_name: Type.String(),
    scopes: Type.Array(Type.String(), { description: 'What the user allowed and what the live tokens hold' }),
    created_at: Type.String({ format: 'date-time', description: 'When the user first authorized the application' }),
    last_used_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'The last use of one of its tokens' }),
  },
  { $id: 'Authorization' },
);

const ListQuery = Type.Object({ ...PageQuery });
const AuthorizationParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }), clientId: Type.String({ minLength: 1, maxLength: 100 }) });

export function toAuthorizationView(a: Authorization): Static<typeof AuthorizationView> {
  return {
    client_id: a.clientId,
    client_name: a.clientName,
    scopes: [...a.scopes],
    created_at: a.createdAt.toISOString(),
    last_used_at: a.lastUsedAt?.toISOString() ?? null,
  };
}

const schemaBase = { tags: ['Authorized applications'], security: [{ bearerAuth: [] }] } as const;

export async function authorizationRoutes(app: FastifyInstance, { authorizations }: { authorizations: AuthorizationService }): Promise<void> {
  app.get<{ Params: Static<typeof UserIdParams>; Querystring: Static<typeof ListQuery> }>(
    '/users/:id/authorizations',
    {
      schema: {
        ...schemaBase,
        summary: 'The applications a user authorized',
        params: UserIdParams,
        querystring: ListQuery,
        response: { 200: ListOf(AuthorizationView), ...PROTECTED_ERRORS, 404: ErrorMessage, 422: ValidationError },
      },
    },
    async (request) => {
      const { page, perPage } = pageOf(request.query);
      const { data, total } = await authorizations.list(actorOf(request), request.params.id, { page, perPage });
      return { data: data.map(toAuthorizationView), meta: { total, page, per_page: perPage } };
    },
  );

  app.delete<{ Params: Static<typeof AuthorizationParams> }>(
    '/users/:id/authorizations/:clientId',
    {
      schema: {
        ...schemaBase,
        summary: "Withdraw an application's access: revoke every token the user holds through it and forget the consent",
        params: AuthorizationParams,
        response: { 204: Type.Null(), ...PROTECTED_ERRORS, 404: ErrorMessage },
      },
    },
    async (request, reply) => {
      await authorizations.revoke(actorOf(request), request.params.id, request.params.clientId);
      return reply.code(204).send();
    },
  );
}
