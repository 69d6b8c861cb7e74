/**
 * Personal access tokens: `GET/POST /users/{id}/tokens`, `GET/DELETE /users/{id}/tokens/{tokenId}`.
 * The user themself or an administrator; anyone else gets 403. The token string is in the 201
 * answer once; lists and reads hold only its short prefix.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Context } from '../../context.js';
import { expiryFrom } from '../../domain/token.js';
import { createPatStore, type PersonalAccessToken } from '../../store/pat-store.js';
import { requireUser } from '../auth.js';
import { forbidden, notFound, validationFailed } from '../errors.js';
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
    expires_at: Type.Optional(Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'null = never (not allowed when KEYGATE_PAT_MAX_TTL is set); left out = the default lifetime' })),
  },
  { additionalProperties: false },
);

const ListQuery = Type.Object({ ...PageQuery });
const TokenParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }), tokenId: Type.String({ minLength: 1, maxLength: 100 }) });

export function toPatView(pat: PersonalAccessToken): Static<typeof PatView> {
  return {
    id: pat.id,
    name: pat.name,
    client_id: pat.clientId,
    scopes: pat.scopes,
    prefix: pat.prefix,
    created_at: pat.createdAt.toISOString(),
    expires_at: pat.expiresAt?.toISOString() ?? null,
    last_used_at: pat.lastUsedAt?.toISOString() ?? null,
  };
}

const schemaBase = { tags: ['Personal access tokens'], security: [{ bearerAuth: [] }] } as const;

export async function patRoutes(app: FastifyInstance, opts: { ctx: Context }): Promise<void> {
  const { ctx } = opts;
  const pats = createPatStore(ctx.store, ctx.tokens, ctx.audit);

  /** The user whose tokens are addressed, after checking the caller may act on them. */
  const targetUser = async (request: FastifyRequest, userId: string) => {
    const p = requireUser(request);
    if (p.userId !== userId && !p.administrator) throw forbidden();
    const user = await ctx.users.findById(userId);
    if (!user) throw notFound('User not found.');
    return { actor: { id: p.userId, name: p.username }, user };
  };

  app.get<{ Params: Static<typeof UserIdParams>; Querystring: Static<typeof ListQuery> }>(
    '/users/:id/tokens',
    { schema: { ...schemaBase, summary: "A user's personal access tokens", params: UserIdParams, querystring: ListQuery, response: { 200: ListOf(PatView), ...PROTECTED_ERRORS, 404: ErrorMessage, 422: ValidationError } } },
    async (request) => {
      const { user } = await targetUser(request, request.params.id);
      const { page, perPage } = pageOf(request.query);
      await ctx.lastUsed.flush();
      const { data, total } = await pats.list(user.id, { page, perPage });
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
      const { actor, user } = await targetUser(request, request.params.id);
      const now = Date.now();
      const raw = request.body.expires_at;
      let expiresAt: number | null;
      if (raw === undefined) expiresAt = expiryFrom(now, ctx.config.patTtlSeconds);
      else if (raw === null) expiresAt = null;
      else {
        expiresAt = Date.parse(raw);
        if (!Number.isFinite(expiresAt)) throw validationFailed({ expires_at: ['The Expires at field must be an ISO 8601 date-time.'] });
      }
      const result = await pats.issue(
        { userId: user.id, name: request.body.name, clientId: request.body.client_id, scopes: request.body.scopes, expiresAt },
        actor,
        { patMaxTtlSeconds: ctx.config.patMaxTtlSeconds },
        now,
      );
      if (!result.ok) throw validationFailed(result.errors);
      return reply.code(201).header('Cache-Control', 'no-store').send({ access_token: result.token, token: toPatView(result.pat) });
    },
  );

  app.get<{ Params: Static<typeof TokenParams> }>(
    '/users/:id/tokens/:tokenId',
    { schema: { ...schemaBase, summary: 'Read one personal access token (never the token itself)', params: TokenParams, response: { 200: PatView, ...PROTECTED_ERRORS, 404: ErrorMessage } } },
    async (request) => {
      const { user } = await targetUser(request, request.params.id);
      await ctx.lastUsed.flush();
      const pat = await pats.find(user.id, request.params.tokenId);
      if (!pat) throw notFound('Token not found.');
      return toPatView(pat);
    },
  );

  app.delete<{ Params: Static<typeof TokenParams> }>(
    '/users/:id/tokens/:tokenId',
    { schema: { ...schemaBase, summary: 'Revoke a personal access token', params: TokenParams, response: { 204: Type.Null(), ...PROTECTED_ERRORS, 404: ErrorMessage } } },
    async (request, reply) => {
      const { actor, user } = await targetUser(request, request.params.id);
      if (!(await pats.revoke(user.id, request.params.tokenId, actor))) throw notFound('Token not found.');
      return reply.code(204).send();
    },
  );
}

