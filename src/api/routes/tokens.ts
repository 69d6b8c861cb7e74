/**
 * Token hygiene for administrators, over the token-hygiene service: `GET /tokens` lists active
 * tokens of every kind with the Tokens page's filters; `POST /tokens/revoke` revokes in bulk by
 * client, user, name or created-before (`dry_run` only counts); `DELETE /tokens/{id}` revokes one.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { TOKEN_KINDS } from '../../domain/token.js';
import type { TokenHygieneService } from '../../services/token-hygiene.js';
import type { TokenOverview } from '../../store/token-admin-store.js';
import { actorOf } from '../auth.js';
import { ErrorMessage, ListOf, pageOf, PageQuery, PROTECTED_ERRORS, ValidationError } from '../schemas.js';

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

const TokenIdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

export async function tokenRoutes(app: FastifyInstance, { tokenHygiene }: { tokenHygiene: TokenHygieneService }): Promise<void> {
  app.get<{ Querystring: Static<typeof TokenListQuery> }>(
    '/tokens',
    { schema: { ...schemaBase, summary: 'Active tokens of every kind (administrators)', querystring: TokenListQuery, response: { 200: ListOf(TokenOverviewView), ...PROTECTED_ERRORS, 422: ValidationError } } },
    async (request) => {
      const q = request.query;
      const { page, perPage } = pageOf(q);
      const filter = { client: q.client, user: q.user, kind: q.kind, olderThanDays: q.older_than_days, unusedDays: q.unused_days };
      const { data, total } = await tokenHygiene.list(actorOf(request), filter, { page, perPage });
      return { data: data.map(toTokenOverviewView), meta: { total, page, per_page: perPage } };
    },
  );

  app.post<{ Body: Static<typeof RevokeBody> }>(
    '/tokens/revoke',
    { schema: { ...schemaBase, summary: 'Revoke tokens in bulk by client, user, name or created-before (administrators)', body: RevokeBody, response: { 200: RevokeResult, ...PROTECTED_ERRORS, 422: ValidationError } } },
    async (request) => {
      const { dry_run: dryRunFlag, ...filter } = request.body;
      const dryRun = dryRunFlag === true;
      const { count } = await tokenHygiene.bulkRevoke(actorOf(request), filter, { dryRun });
      return { count, dry_run: dryRun };
    },
  );

  app.delete<{ Params: Static<typeof TokenIdParams> }>(
    '/tokens/:id',
    {
      schema: {
        ...schemaBase,
        summary: 'Revoke one token of any kind (administrators); a refresh token ends the access tokens issued from it',
        params: TokenIdParams,
        response: { 204: Type.Null(), ...PROTECTED_ERRORS, 404: ErrorMessage },
      },
    },
    async (request, reply) => {
      await tokenHygiene.revoke(actorOf(request), request.params.id);
      return reply.code(204).send();
    },
  );
}
