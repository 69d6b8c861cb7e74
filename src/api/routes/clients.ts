/**
 * Auth Clients at /api/1.0/oauth/clients (INTERFACE.md, "REST API"): a thin adapter over the
 * clients service (src/services/clients.ts), which decides who may do what, validates, stores and
 * audits — the same for the console and the CLI.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { CLIENT_TYPES, clientWireForm } from '../../domain/client.js';
import { MAX_GRACE_PERIOD_SECONDS, type ClientRequest } from '../../domain/client-rules.js';
import { PERMISSIONS } from '../../domain/permission.js';
import type { ClientService, ClientWithStats } from '../../services/clients.js';
import { actorOf } from '../auth.js';
import { ErrorMessage, ListOf, PageQuery, pageOf, PROTECTED_ERRORS, ValidationError } from '../schemas.js';

const ClientTypeSchema = Type.Union(CLIENT_TYPES.map((t) => Type.Literal(t)));
const PermissionSchema = Type.Union(PERMISSIONS.map((p) => Type.Literal(p)));

export const ClientResponse = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    types: Type.Array(ClientTypeSchema),
    redirect: Type.Array(Type.String()),
    confidential: Type.Boolean(),
    trusted: Type.Boolean(),
    introspect_all: Type.Boolean(),
    permissions: Type.Array(PermissionSchema),
    scopes: Type.Array(Type.String(), { description: 'The scopes the client may ask for.' }),
    require_pkce: Type.Boolean({ description: 'PKCE required at the authorization endpoint (public clients always need it).' }),
    allowed_origins: Type.Array(Type.String(), { description: 'Browser origins allowed by CORS besides a public client’s redirect origins.' }),
    created_by: Type.Union([Type.String(), Type.Null()]),
    created_at: Type.String({ format: 'date-time' }),
    updated_at: Type.String({ format: 'date-time' }),
    secret: Type.Optional(Type.String({ description: 'Only in the response that created or regenerated it.' })),
  },
  { $id: 'AuthClient' },
);

const ClientListItem = Type.Object({
  ...ClientResponse.properties,
  active_tokens: Type.Integer({ description: 'Tokens issued to the client that still work.' }),
  last_used_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

const ClientBody = Type.Object({
  name: Type.String({ maxLength: 255 }),
  types: Type.Array(ClientTypeSchema, { minItems: 1 }),
  redirect: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String())], { description: 'Comma-separated or an array; required with authorization_code_grant.' })),
  confidential: Type.Optional(Type.Boolean({ default: true })),
  trusted: Type.Optional(Type.Boolean({ description: 'Skip the consent screen (administrators only).' })),
  introspect_all: Type.Optional(Type.Boolean({ description: 'May introspect any token (administrators only).' })),
  permissions: Type.Optional(Type.Array(PermissionSchema, { description: 'Held when acting as itself (administrators only).' })),
  scopes: Type.Optional(
    Type.Array(Type.String({ maxLength: 64 }), {
      maxItems: 100,
      description: 'The scopes the client may ask for (default ["api", "api:read"]); only administrators may give a custom scope.',
    }),
  ),
  require_pkce: Type.Optional(Type.Boolean({ description: 'Require PKCE even though the client is confidential (default false).' })),
  allowed_origins: Type.Optional(Type.Array(Type.String({ maxLength: 300 }), { maxItems: 20, description: 'Browser origins allowed by CORS, e.g. https://app.example.com.' })),
});

const IdParams = Type.Object({ id: Type.String({ maxLength: 100 }) });


function withStats(client: ClientWithStats): Record<string, unknown> {
  return { ...clientWireForm(client), active_tokens: client.stats.activeTokens, last_used_at: client.stats.lastUsedAt?.toISOString() ?? null };
}

function asRequest(body: unknown): ClientRequest {
  return body !== null && typeof body === 'object' && !Array.isArray(body) ? body : {};
}

type IdRequest = FastifyRequest<{ Params: { id: string } }>;

export async function clientRoutes(app: FastifyInstance, { clients }: { clients: ClientService }): Promise<void> {
  const tags = ['Auth Clients'];
  const security = [{ bearerAuth: [] }];

  app.get(
    '/oauth/clients',
    {
      schema: {
        tags,
        security,
        summary: 'List Auth Clients (newest first, or by name)',
        querystring: Type.Object({
          ...PageQuery,
          filter: Type.Optional(Type.String({ maxLength: 200, description: 'Case-insensitive substring of the name or a redirect URL.' })),
          order_by: Type.Optional(Type.Union([Type.Literal('created_at'), Type.Literal('name')], { default: 'created_at' })),
        }),
        response: { 200: ListOf(ClientListItem), 422: ValidationError, ...PROTECTED_ERRORS },
      },
    },
    async (request: FastifyRequest<{ Querystring: { page?: number; per_page?: number; filter?: string; order_by?: 'created_at' | 'name' } }>) => {
      const { page, perPage } = pageOf(request.query);
      const { data, total } = await clients.list(actorOf(request), { page, perPage, filter: request.query.filter ?? '', orderBy: request.query.order_by ?? 'created_at' });
      return { data: data.map(withStats), meta: { total, page, per_page: perPage } };
    },
  );

  app.post(
    '/oauth/clients',
    {
      attachValidation: true,
      schema: { tags, security, summary: 'Create an Auth Client (the secret is in this response only)', body: ClientBody, response: { 201: ClientResponse, 422: ValidationError, ...PROTECTED_ERRORS } },
    },
    async (request, reply) => {
      // Validation is the service's (exact messages); the schema above documents the body.
      const { client, secret } = await clients.create(actorOf(request), asRequest(request.body));
      return reply.code(201).send(clientWireForm(client, secret));
    },
  );

  app.get(
    '/oauth/clients/:id',
    { schema: { tags, security, summary: 'Read an Auth Client', params: IdParams, response: { 200: ClientResponse, 404: ErrorMessage, ...PROTECTED_ERRORS } } },
    async (request: IdRequest) => {
      return clientWireForm(await clients.get(actorOf(request), request.params.id));
    },
  );

  app.put(
    '/oauth/clients/:id',
    {
      attachValidation: true,
      schema: { tags, security, summary: 'Update an Auth Client', params: IdParams, body: ClientBody, response: { 200: ClientResponse, 404: ErrorMessage, 422: ValidationError, ...PROTECTED_ERRORS } },
    },
    async (request: IdRequest) => {
      const { client } = await clients.update(actorOf(request), request.params.id, asRequest(request.body));
      return clientWireForm(client);
    },
  );

  app.delete(
    '/oauth/clients/:id',
    {
      schema: {
        tags,
        security,
        summary: 'Delete an Auth Client and end every token and code issued to it',
        params: IdParams,
        response: { 204: Type.Null(), 404: ErrorMessage, ...PROTECTED_ERRORS },
      },
    },
    async (request: IdRequest, reply) => {
      await clients.delete(actorOf(request), request.params.id);
      return reply.code(204).send();
    },
  );

  app.post(
    '/oauth/clients/:id/secret',
    {
      // The body is optional: no body means no grace period.
      preValidation: async (request) => {
        request.body ??= {};
      },
      schema: {
        tags,
        security,
        summary: 'Regenerate the secret (shown once); grace_period keeps the old one valid that long',
        description: 'The body may be left out.',
        params: IdParams,
        body: Type.Object({ grace_period: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_GRACE_PERIOD_SECONDS, description: 'Seconds the old secret keeps working (default 0).' })) }),
        response: { 200: ClientResponse, 404: ErrorMessage, 422: ValidationError, ...PROTECTED_ERRORS },
      },
    },
    async (request: FastifyRequest<{ Params: { id: string }; Body: { grace_period?: number } | null | undefined }>) => {
      const { client, secret } = await clients.regenerateSecret(actorOf(request), request.params.id, request.body?.grace_period ?? 0);
      return clientWireForm(client, secret);
    },
  );
}
