/**
 * Users: `GET /users/me` for any token that acts for a user (the benchmark hot path: no store
 * access), and user management for administrators: list, create, read, update, delete. Deleting
 * a user ends their tokens at once (rows cascade, caches are flushed).
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Context } from '../../context.js';
import { hashPassword, MAX_PASSWORD_LENGTH, passwordProblem } from '../../domain/password.js';
import { isPermission, PERMISSIONS } from '../../domain/permission.js';
import { DuplicateUsernameError, type User } from '../../store/user-store.js';
import { requireAdmin, requireUser } from '../auth.js';
import { notFound, validationFailed, type FieldErrors } from '../errors.js';
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
  { username: Type.Optional(UsernameField), password: Type.Optional(PasswordField), administrator: Type.Optional(Type.Boolean()), permissions: Type.Optional(PermissionList) },
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

function checkUserInput(body: { username?: string; password?: string }): FieldErrors {
  const errors: FieldErrors = {};
  if (body.username !== undefined && body.username.trim() === '') errors.username = ['The Username field is required.'];
  if (body.password !== undefined) {
    const problem = passwordProblem(body.password);
    if (problem) errors.password = [problem];
  }
  return errors;
}

const adminSchema = { tags: ['Users'], security: [{ bearerAuth: [] }] } as const;

export async function userRoutes(app: FastifyInstance, opts: { ctx: Context }): Promise<void> {
  const { ctx } = opts;

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
      requireAdmin(request);
      const { page, perPage } = pageOf(request.query);
      const filter = request.query.filter?.trim();
      const { data, total } = await ctx.users.list({ page, perPage, ...(filter ? { filter } : {}) });
      return { data: data.map(toUserView), meta: { total, page, per_page: perPage } };
    },
  );

  app.post<{ Body: Static<typeof CreateUserBody> }>(
    '/users',
    { schema: { ...adminSchema, summary: 'Create a user (administrators)', body: CreateUserBody, response: { 201: UserView, ...PROTECTED_ERRORS, 422: ValidationError } } },
    async (request, reply) => {
      const actor = requireAdmin(request);
      const errors = checkUserInput(request.body);
      if (Object.keys(errors).length > 0) throw validationFailed(errors);
      const { username, password, administrator = false, permissions = [] } = request.body;
      try {
        const user = await ctx.users.create({ username, passwordHash: await hashPassword(password), administrator, permissions });
        await ctx.audit.record({ type: 'user.created', actor: { id: actor.userId, name: actor.username ?? '' }, subjectType: 'user', subjectId: user.id, details: { username: user.username, administrator, permissions } });
        return reply.code(201).send(toUserView(user));
      } catch (err) {
        if (err instanceof DuplicateUsernameError) throw validationFailed({ username: ['The Username has already been taken.'] });
        throw err;
      }
    },
  );

  app.get<{ Params: Static<typeof UserIdParams> }>(
    '/users/:id',
    { schema: { ...adminSchema, summary: 'Read a user (administrators)', params: UserIdParams, response: { 200: UserView, ...PROTECTED_ERRORS, 404: ErrorMessage } } },
    async (request) => {
      requireAdmin(request);
      const user = await ctx.users.findById(request.params.id);
      if (!user) throw notFound('User not found.');
      return toUserView(user);
    },
  );

  app.put<{ Params: Static<typeof UserIdParams>; Body: Static<typeof UpdateUserBody> }>(
    '/users/:id',
    {
      schema: {
        ...adminSchema,
        summary: 'Update a user: permissions, administrator flag, password (administrators)',
        description: 'Permission and administrator changes take effect on the user\'s tokens at once.',
        params: UserIdParams,
        body: UpdateUserBody,
        response: { 200: UserView, ...PROTECTED_ERRORS, 404: ErrorMessage, 422: ValidationError },
      },
    },
    async (request) => {
      const actor = requireAdmin(request);
      const errors = checkUserInput(request.body);
      if (request.params.id === actor.userId && request.body.administrator === false) {
        errors.administrator = ['You cannot remove your own administrator role.'];
      }
      if (Object.keys(errors).length > 0) throw validationFailed(errors);
      const { username, password, administrator, permissions } = request.body;
      try {
        const user = await ctx.users.update(request.params.id, {
          ...(username !== undefined ? { username } : {}),
          ...(password !== undefined ? { passwordHash: await hashPassword(password) } : {}),
          ...(administrator !== undefined ? { administrator } : {}),
          ...(permissions !== undefined ? { permissions } : {}),
        });
        if (!user) throw notFound('User not found.');
        await ctx.audit.record({
          type: 'user.updated',
          actor: { id: actor.userId, name: actor.username ?? '' },
          subjectType: 'user',
          subjectId: user.id,
          details: { changed: Object.keys(request.body).sort(), administrator: user.administrator, permissions: user.grantedPermissions },
        });
        return toUserView(user);
      } catch (err) {
        if (err instanceof DuplicateUsernameError) throw validationFailed({ username: ['The Username has already been taken.'] });
        throw err;
      }
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
      const actor = requireAdmin(request);
      if (request.params.id === actor.userId) throw validationFailed({ id: ['You cannot delete your own account.'] });
      const user = await ctx.users.findById(request.params.id);
      if (!user || !(await ctx.users.delete(user.id))) throw notFound('User not found.');
      await ctx.audit.record({ type: 'user.deleted', actor: { id: actor.userId, name: actor.username ?? '' }, subjectType: 'user', subjectId: user.id, details: { username: user.username } });
      return reply.code(204).send();
    },
  );
}
