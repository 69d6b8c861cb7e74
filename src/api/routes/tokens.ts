/**
 * Token hygiene for administrators: `GET /tokens` lists active tokens of every kind with the
 * Tokens page's filters; `POST /tokens/revoke` revokes in bulk by client, user, name or
 * created-before (`dry_run` only counts).
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Context } from '../../context.js';
import { TOKEN_KINDS } from '../../domain/token.js';
import { createTokenAdminStore, hasRevokeCriterion, type TokenOverview } from '../../store/token-admin-store.js';
import { requireAdmin } from '../auth.js';
import { validationFailed } from '../errors.js';
import { ListOf, pageOf, PageQuery, PROTECTED_ERRORS, ValidationError } from '../schemas.js';

const TokenOverviewView = Type.Object(
  {
    id: Type.String(),
    kind: Type.String({ enum: [...TOKEN_KINDS] }),
    name: Type.Union([Type.String(), Type.Null()]),
    prefix: Type.String(),
    client_id: Type.String(),
    client_name: Type.String(),
    user_id: Type.Union([Type.String(), Type.Null()]),
    username: Type.Union([Type.String(), Type.Null()]),
    scopes: Type.Array(Type.String()),
    created_at: Type.String({ format: 'date-time' }),
    expires_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    last_used_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    needs_rotation: Type.Boolean({ description: 'Older than the rotation policy (KEYGATE_TOKEN_ROTATION_DAYS)' }),
  },
  { $id: 'TokenOverview' },
);

const Days = Type.Integer({ minimum: 0, maximum: 36_500 });
const TokenListQuery = Type.Object({
  ...PageQuery,
  client: Type.Optional(Type.String({ maxLength: 255, description: 'Client id or name' })),
  user: Type.Optional(Type.String({ maxLength: 255, description: 'User id or username' })),
  kind: Type.Optional(Type.String({ enum: [...TOKEN_KINDS] })),
  older_than_days: Type.Optional(Days),
  unused_days: Type.Optional(Days),
});

const RevokeBody = Type.Object(
  {
    client: Type.Optional(Type.String({ maxLength: 255, description: 'Client id or name' })),
    user: Type.Optional(Type.String({ maxLength: 255, description: 'User id or username' })),
    name: Type.Optional(Type.String({ maxLength: 255, description: 'Exact token name' })),
    before: Type.Optional(Type.String({ maxLength: 40, description: 'Created before this date (YYYY-MM-DD or ISO 8601)' })),
    dry_run: Type.Optional(Type.Boolean({ description: 'Only count the tokens that would be revoked' })),
  },
  { additionalProperties: false },
);
const RevokeResult = Type.Object({ count: Type.Integer(), dry_run: Type.Boolean() });

export function toTokenOverviewView(t: TokenOverview): Static<typeof TokenOverviewView> {
  return {
    id: t.id,
    kind: t.kind,
    name: t.name,
    prefix: t.prefix,
    client_id: t.clientId,
    client_name: t.clientName,
    user_id: t.userId,
    username: t.username,
    scopes: t.scopes,
    created_at: t.createdAt.toISOString(),
    expires_at: t.expiresAt?.toISOString() ?? null,
    last_used_at: t.lastUsedAt?.toISOString() ?? null,
    needs_rotation: t.needsRotation,
  };
}

const schemaBase = { tags: ['Tokens'], security: [{ bearerAuth: [] }] } as const;

export async function tokenRoutes(app: FastifyInstance, opts: { ctx: Context }): Promise<void> {
  const { ctx } = opts;
  const admin = createTokenAdminStore(ctx.store, ctx.tokens, ctx.audit);

  app.get<{ Querystring: Static<typeof TokenListQuery> }>(
    '/tokens',
    { schema: { ...schemaBase, summary: 'Active tokens of every kind (administrators)', querystring: TokenListQuery, response: { 200: ListOf(TokenOverviewView), ...PROTECTED_ERRORS, 422: ValidationError } } },
    async (request) => {
      requireAdmin(request);
      const q = request.query;
      const resolved = await admin.resolveFilter({ client: q.client, user: q.user, kind: q.kind, olderThanDays: q.older_than_days, unusedDays: q.unused_days });
      if (!resolved.ok) throw validationFailed(resolved.errors);
      const { page, perPage } = pageOf(q);
      await ctx.lastUsed.flush();
      const { data, total } = await admin.list(resolved.filter, { page, perPage, rotationDays: ctx.config.tokenRotationDays });
      return { data: data.map(toTokenOverviewView), meta: { total, page, per_page: perPage } };
    },
  );

  app.post<{ Body: Static<typeof RevokeBody> }>(
    '/tokens/revoke',
    { schema: { ...schemaBase, summary: 'Revoke tokens in bulk by client, user, name or created-before (administrators)', body: RevokeBody, response: { 200: RevokeResult, ...PROTECTED_ERRORS, 422: ValidationError } } },
    async (request) => {
      const actor = requireAdmin(request);
      const body = request.body;
      if (!hasRevokeCriterion(body)) throw validationFailed({ filter: ['Give at least one of client, user, name or before.'] });
      const resolved = await admin.resolveFilter(body);
      if (!resolved.ok) throw validationFailed(resolved.errors);
      const dryRun = body.dry_run === true;
      const count = await admin.bulkRevoke(resolved.filter, { id: actor.userId, name: actor.username ?? '' }, { dryRun });
      return { count, dry_run: dryRun };
    },
  );
}
