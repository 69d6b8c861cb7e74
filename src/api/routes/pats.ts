/**
 * Personal access tokens: `GET/POST /users/{id}/tokens`, `GET/DELETE /users/{id}/tokens/{tokenId}`,
 * a thin adapter over the PAT service: the user themself or an administrator, with a session or a
 * personal access token (src/services/policy.ts). The token string is in the 201 answer once;
 * lists and reads hold only its short prefix.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { patWireForm } from '../../domain/pat.js';
import type { PatService } from '../../services/pats.js';
import type { PersonalAccessToken } from '../../store/pat-store.js';
import { actorOf } from '../auth.js';
import { ErrorMessage, ListOf, pageOf, PageQuery, PROTECTED_ERRORS, ValidationError } from '../schemas.js';
import { UserIdParams } from './users.js';

export const PatView = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    client_id: Type.String(),
    scopes: Type.Array(Type.String()),
    prefix: Type.String({ description: 'A short, non-secret start of the token' }),
    created_at: Type.String({ format: 'date-time' }),
    expires_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    last_used_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  },
  { $id: 'PersonalAccessToken' },
);

const CreatedPat = Type.Object({
  access_token: Type.String({ description: 'The token. Shown once: it cannot be read again.' }),
  token: PatView,
});

const CreatePatBody = Type.Object(
  {
    name: Type.String({ maxLength: 1000 }),
    client_id: Type.Optional(Type.String({ maxLength: 100, description: 'May be left out while exactly one client has personal_access_client' })),
    scopes: Type.Optional(Type.Array(Type.String({ maxLength: 50 }), { maxItems: 10, description: 'api (default) or api:read' })),
    expires_at: Type.Optional(
      // Null first: with Ajv's type coercion a string branch tried first would turn null into "".
      Type.Union([Type.Null(), Type.String({ maxLength: 40 })], {
        description: 'An ISO 8601 date-time; null = never (not allowed when KEYGATE_PAT_MAX_TTL is set); left out = the default lifetime',
      }),
    ),
  },
  { additionalProperties: false },
);

const ListQuery = Type.Object({ ...PageQuery });
const TokenParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }), tokenId: Type.String({ minLength: 1, maxLength: 100 }) });

export function toPatView(pat: PersonalAccessToken): Static<typeof PatView> {
  return patWireForm(pat);
}

const schemaBase = { tags: ['Personal access tokens'], security: [{ bearerAuth: [] }] } as const;

export async function patRoutes(app: FastifyInstance, { pats }: { pats: PatService }): Promise<void> {
  app.get<{ Params: Static<typeof UserIdParams>; Querystring: Static<typeof ListQuery> }>(
    '/users/:id/tokens',
    { schema: { ...schemaBase, summary: "A user's personal access tokens", params: UserIdParams, querystring: ListQuery, response: { 200: ListOf(PatView), ...PROTECTED_ERRORS, 404: ErrorMessage, 422: ValidationError } } },
    async (request) => {
      const { page, perPage } = pageOf(request.query);
      const { data, total } = await pats.list(actorOf(request), request.params.id, { page, perPage });
      return { data: data.map(toPatView), meta: { total, page, per_page: perPage } };
    },
  );

  app.post<{ Params: Static<typeof UserIdParams>; Body: Static<typeof CreatePatBody> }>(
    '/users/:id/tokens',
    {
      schema: {
        ...schemaBase,
        summary: 'Create a personal access token (shown once)',
        params: UserIdParams,
        body: CreatePatBody,
        response: { 201: CreatedPat, ...PROTECTED_ERRORS, 404: ErrorMessage, 422: ValidationError },
      },
    },
    async (request, reply) => {
      const { name, client_id: clientId, scopes, expires_at: expiresAt } = request.body;
      const result = await pats.create(actorOf(request), request.params.id, { name, clientId, scopes, expiresAt });
      return reply.code(201).header('Cache-Control', 'no-store').send({ access_token: result.token, token: toPatView(result.pat) });
    },
  );

  app.get<{ Params: Static<typeof TokenParams> }>(
    '/users/:id/tokens/:tokenId',
    { schema: { ...schemaBase, summary: 'Read one personal access token (never the token itself)', params: TokenParams, response: { 200: PatView, ...PROTECTED_ERRORS, 404: ErrorMessage } } },
    async (request) => {
      return toPatView(await pats.get(actorOf(request), request.params.id, request.params.tokenId));
    },
  );

  app.delete<{ Params: Static<typeof TokenParams> }>(
    '/users/:id/tokens/:tokenId',
    { schema: { ...schemaBase, summary: 'Revoke a personal access token', params: TokenParams, response: { 204: Type.Null(), ...PROTECTED_ERRORS, 404: ErrorMessage } } },
    async (request, reply) => {
      await pats.revoke(actorOf(request), request.params.id, request.params.tokenId);
      return reply.code(204).send();
    },
  );
}

