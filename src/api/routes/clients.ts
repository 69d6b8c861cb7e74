/**
 * Auth Clients at /api/1.0/oauth/clients (INTERFACE.md, "REST API"). Each action checks its own
 * permission; only administrators may set `trusted`, `introspect_all` or `permissions`. The
 * service functions below are shared with the console (src/http/routes/admin/auth-clients.ts),
 * so both validate, store and audit the same way.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Context } from '../../context.js';
import type { Client } from '../../domain/client.js';
import { CLIENT_TYPES, clientWireForm } from '../../domain/client.js';
import { CLIENT_MESSAGES, changedClientFields, validateClientRequest, type ClientRequest } from '../../domain/client-rules.js';
import { PERMISSIONS } from '../../domain/permission.js';
import type { Actor } from '../../store/audit-store.js';
import { DuplicateClientNameError, type ClientTokenStats } from '../../store/client-store.js';
import { requirePermission, type ApiPrincipal } from '../auth.js';
import { ApiError, forbidden, notFound, validationFailed } from '../errors.js';
import { ErrorMessage, ListOf, PageQuery, pageOf, PROTECTED_ERRORS, ValidationError } from '../schemas.js';

export const MAX_GRACE_PERIOD_SECONDS = 86_400;

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
});

const IdParams = Type.Object({ id: Type.String({ maxLength: 100 }) });


export function actorOf(p: Pick<ApiPrincipal, 'userId' | 'username' | 'clientId'>): Actor {
  return { id: p.userId, name: p.username ?? `client ${p.clientId ?? '?'}` };
}

type Principal = Pick<ApiPrincipal, 'userId' | 'username' | 'clientId' | 'administrator'>;

function asRequest(body: unknown): ClientRequest {
  return body !== null && typeof body === 'object' && !Array.isArray(body) ? (body) : {};
}

/** Only administrators may grant trust, introspection or permissions. */
function checkAdminFields(p: Principal, body: ClientRequest, current?: Client): void {
  if (p.administrator) return;
  const trusted = body.trusted !== undefined && body.trusted !== (current?.trusted ?? false);
  const introspect = body.introspect_all !== undefined && body.introspect_all !== (current?.introspectAll ?? false);
  const perms =
    body.permissions !== undefined &&
    JSON.stringify([...((body.permissions as string[] | null) ?? [])].sort()) !== JSON.stringify([...(current?.permissions ?? [])].sort());
  if (trusted || introspect || perms) throw forbidden('Only administrators may set trusted, introspect_all or permissions.');
}

function nameTaken(): ApiError {
  return validationFailed({ name: [CLIENT_MESSAGES.nameTaken] });
}

export async function createClientFor(ctx: Context, p: Principal, rawBody: unknown): Promise<{ client: Client; secret: string | null }> {
  const body = asRequest(rawBody);
  const checked = validateClientRequest(body);
  if (!checked.ok) throw validationFailed(checked.errors);
  checkAdminFields(p, body);
  try {
    const created = await ctx.clients.create(checked.value, p.userId);
    const c = created.client;
    await ctx.audit.record({
      type: 'client.created',
      actor: actorOf(p),
      subjectType: 'client',
      subjectId: c.id,
      details: { name: c.name, types: c.types, redirect: c.redirect, confidential: c.confidential, trusted: c.trusted, introspect_all: c.introspectAll, permissions: c.permissions },
    });
    return created;
  } catch (err) {
    if (err instanceof DuplicateClientNameError) throw nameTaken();
    throw err;
  }
}

export async function updateClientFor(ctx: Context, p: Principal, id: string, rawBody: unknown): Promise<Client> {
  const current = await ctx.clients.findById(id);
  if (!current) throw notFound('Auth Client not found.');
  const body = asRequest(rawBody);
  const checked = validateClientRequest(body, { fixedConfidential: current.confidential });
  if (!checked.ok) throw validationFailed(checked.errors);
  checkAdminFields(p, body, current);
  let updated: Client | null;
  try {
    updated = await ctx.clients.update(id, checked.value);
  } catch (err) {
    if (err instanceof DuplicateClientNameError) throw nameTaken();
    throw err;
  }
  if (!updated) throw notFound('Auth Client not found.');
  const changed = changedClientFields(current, updated);
  if (Object.keys(changed).length > 0) {
    await ctx.audit.record({ type: 'client.updated', actor: actorOf(p), subjectType: 'client', subjectId: id, details: { name: updated.name, changed: Object.keys(changed), values: changed } });
  }
  return updated;
}

export async function deleteClientFor(ctx: Context, p: Principal, id: string): Promise<{ name: string; tokensEnded: number }> {
  const current = await ctx.clients.findById(id);
  if (!current) throw notFound('Auth Client not found.');
  const ended = await ctx.clients.delete(id);
  if (ended === null) throw notFound('Auth Client not found.');
  await ctx.audit.record({ type: 'client.deleted', actor: actorOf(p), subjectType: 'client', subjectId: id, details: { name: current.name, tokens_ended: ended } });
  return { name: current.name, tokensEnded: ended };
}

export async function regenerateSecretFor(ctx: Context, p: Principal, id: string, graceSeconds: number): Promise<{ client: Client; secret: string }> {
  const current = await ctx.clients.findById(id);
  if (!current) throw notFound('Auth Client not found.');
  if (!current.confidential) throw validationFailed({ confidential: ['A public client has no secret to regenerate.'] });
  const secret = await ctx.clients.regenerateSecret(id, graceSeconds);
  if (secret === null) throw notFound('Auth Client not found.');
  await ctx.audit.record({ type: 'client.secret_regenerated', actor: actorOf(p), subjectType: 'client', subjectId: id, details: { name: current.name, grace_period: graceSeconds } });
  const client = await ctx.clients.findById(id);
  return { client: client ?? current, secret };
}

function withStats(client: Client, stats: ClientTokenStats | undefined): Record<string, unknown> {
  return { ...clientWireForm(client), active_tokens: stats?.activeTokens ?? 0, last_used_at: stats?.lastUsedAt?.toISOString() ?? null };
}

type IdRequest = FastifyRequest<{ Params: { id: string } }>;

export async function clientRoutes(app: FastifyInstance, { ctx }: { ctx: Context }): Promise<void> {
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
      requirePermission(request, 'view-auth_clients');
      const { page, perPage } = pageOf(request.query);
      const { data, total } = await ctx.clients.list({ page, perPage, filter: request.query.filter ?? '', orderBy: request.query.order_by ?? 'created_at' });
      const stats = await ctx.clients.tokenStats(data.map((c) => c.id));
      return { data: data.map((c) => withStats(c, stats.get(c.id))), meta: { total, page, per_page: perPage } };
    },
  );

  app.post(
    '/oauth/clients',
    {
      attachValidation: true,
      schema: { tags, security, summary: 'Create an Auth Client (the secret is in this response only)', body: ClientBody, response: { 201: ClientResponse, 422: ValidationError, ...PROTECTED_ERRORS } },
    },
    async (request, reply) => {
      const p = requirePermission(request, 'create-auth_clients');
      // Validation is the domain's (exact messages); the schema above documents the body.
      const { client, secret } = await createClientFor(ctx, p, request.body);
      return reply.code(201).send(clientWireForm(client, secret));
    },
  );

  app.get(
    '/oauth/clients/:id',
    { schema: { tags, security, summary: 'Read an Auth Client', params: IdParams, response: { 200: ClientResponse, 404: ErrorMessage, ...PROTECTED_ERRORS } } },
    async (request: IdRequest) => {
      requirePermission(request, 'view-auth_clients');
      const client = await ctx.clients.findById(request.params.id);
      if (!client) throw notFound('Auth Client not found.');
      return clientWireForm(client);
    },
  );

  app.put(
    '/oauth/clients/:id',
    {
      attachValidation: true,
      schema: { tags, security, summary: 'Update an Auth Client', params: IdParams, body: ClientBody, response: { 200: ClientResponse, 404: ErrorMessage, 422: ValidationError, ...PROTECTED_ERRORS } },
    },
    async (request: IdRequest) => {
      const p = requirePermission(request, 'edit-auth_clients');
      return clientWireForm(await updateClientFor(ctx, p, request.params.id, request.body));
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
      const p = requirePermission(request, 'delete-auth_clients');
      await deleteClientFor(ctx, p, request.params.id);
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
      const p = requirePermission(request, 'edit-auth_clients');
      const grace = request.body?.grace_period ?? 0;
      const { client, secret } = await regenerateSecretFor(ctx, p, request.params.id, grace);
      return clientWireForm(client, secret);
    },
  );
}
