/**
 * Users: `GET /users/me` for any token that acts for a user (the benchmark hot path: no store
 * access), and user management for administrators: list, create, read, update, delete. Deleting
 * a user ends their tokens at once (rows cascade, caches are flushed).
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { MAX_PASSWORD_LENGTH } from '../../domain/password.js';
import { isPermission, PERMISSIONS } from '../../domain/permission.js';
import type { UserService } from '../../services/users.js';
import type { User } from '../../store/user-store.js';
import { actorOf, requireUser } from '../auth.js';
import { ErrorMessage, ListOf, pageOf, PageQuery, PROTECTED_ERRORS, ValidationError } from '../schemas.js';

export const CurrentUser = Type.Object(
  {
    id: Type.String(),
    username: Type.String(),
    administrator: Type.Boolean(),
    permissions: Type.Array(Type.String()),
  },
  { $id: 'CurrentUser' },
);

export const UserView = Type.Object(
  {
    id: Type.String(),
    username: Type.String(),
    administrator: Type.Boolean(),
    permissions: Type.Array(Type.String(), { description: 'Granted permissions (an administrator holds all of them regardless).' }),
    created_at: Type.String({ format: 'date-time' }),
    updated_at: Type.String({ format: 'date-time' }),
  },
  { $id: 'User' },
);

const PermissionList = Type.Array(Type.String({ enum: [...PERMISSIONS] }), { maxItems: PERMISSIONS.length * 2 });
const UsernameField = Type.String({ minLength: 1, maxLength: 255 });
const PasswordField = Type.String({ minLength: 1, maxLength: MAX_PASSWORD_LENGTH });

const CreateUserBody = Type.Object(
  { username: UsernameField, password: PasswordField, administrator: Type.Optional(Type.Boolean()), permissions: Type.Optional(PermissionList) },
  { additionalProperties: false },
);
const UpdateUserBody = Type.Object(
  {
    username: Type.Optional(UsernameField),
    password: Type.Optional(PasswordField),
    administrator: Type.Optional(Type.Boolean()),
    permissions: Type.Optional(PermissionList),
    revoke_personal_access_tokens: Type.Optional(
      Type.Boolean({ description: "With a new password: revoke the user's personal access tokens too (their other sessions and OAuth tokens always end)." }),
    ),
  },
  { additionalProperties: false },
);
export const UserIdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
const UserListQuery = Type.Object({ ...PageQuery, filter: Type.Optional(Type.String({ maxLength: 255 })) });

export function toUserView(user: User): Static<typeof UserView> {
  return {
    id: user.id,
    username: user.username,
    administrator: user.administrator,
    permissions: user.grantedPermissions.filter(isPermission),
    created_at: user.createdAt.toISOString(),
    updated_at: user.updatedAt.toISOString(),
  };
}

const adminSchema = { tags: ['Users'], security: [{ bearerAuth: [] }] } as const;

export async function userRoutes(app: FastifyInstance, { users }: { users: UserService }): Promise<void> {
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

  app.get<{ Querystring: Static<typeof UserListQuery> }>(
    '/users',
    { schema: { ...adminSchema, summary: 'List users (administrators)', querystring: UserListQuery, response: { 200: ListOf(UserView), ...PROTECTED_ERRORS, 422: ValidationError } } },
    async (request) => {
      const { page, perPage } = pageOf(request.query);
      const { data, total } = await users.list(actorOf(request), { page, perPage, ...(request.query.filter !== undefined ? { filter: request.query.filter } : {}) });
      return { data: data.map(toUserView), meta: { total, page, per_page: perPage } };
    },
  );

  app.post<{ Body: Static<typeof CreateUserBody> }>(
    '/users',
    { schema: { ...adminSchema, summary: 'Create a user (administrators)', body: CreateUserBody, response: { 201: UserView, ...PROTECTED_ERRORS, 422: ValidationError } } },
    async (request, reply) => {
      const user = await users.create(actorOf(request), request.body);
      return reply.code(201).send(toUserView(user));
    },
  );

  app.get<{ Params: Static<typeof UserIdParams> }>(
    '/users/:id',
    { schema: { ...adminSchema, summary: 'Read a user (administrators)', params: UserIdParams, response: { 200: UserView, ...PROTECTED_ERRORS, 404: ErrorMessage } } },
    async (request) => {
      return toUserView(await users.get(actorOf(request), request.params.id));
    },
  );

  app.put<{ Params: Static<typeof UserIdParams>; Body: Static<typeof UpdateUserBody> }>(
    '/users/:id',
    {
      schema: {
        ...adminSchema,
        summary: 'Update a user: permissions, administrator flag, password (administrators)',
        description:
          "Permission and administrator changes take effect on the user's tokens at once. A new password ends the user's other sessions and revokes their access and refresh tokens (and personal access tokens with revoke_personal_access_tokens).",
        params: UserIdParams,
        body: UpdateUserBody,
        response: { 200: UserView, ...PROTECTED_ERRORS, 404: ErrorMessage, 422: ValidationError },
      },
    },
    async (request) => {
      const { revoke_personal_access_tokens: revokePats, ...changes } = request.body;
      const user = await users.update(actorOf(request), request.params.id, { ...changes, ...(revokePats ? { revokePersonalAccessTokens: true } : {}) });
      return toUserView(user);
    },
  );

  app.delete<{ Params: Static<typeof UserIdParams> }>(
    '/users/:id',
    {
      schema: {
        ...adminSchema,
        summary: 'Delete a user and end their tokens (administrators)',
        params: UserIdParams,
        response: { 204: Type.Null(), ...PROTECTED_ERRORS, 404: ErrorMessage, 422: ValidationError },
      },
    },
    async (request, reply) => {
      await users.delete(actorOf(request), request.params.id);
      return reply.code(204).send();
    },
  );
}
