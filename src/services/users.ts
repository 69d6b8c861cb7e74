/**
 * Users: the only way to create, change, delete, list and read users, whatever the surface (REST
 * API, console, CLI `user:create` / `user:password` / `user:list`, first-start bootstrap).
 * Passwords are hashed before the transaction opens.
 *
 * Rule owned here (INTERFACE.md): a password change, by the user or an administrator, ends the
 * user's other sessions and revokes their access and refresh tokens; personal access tokens are
 * revoked too when asked (`revokePersonalAccessTokens`).
 */
import { addFieldError, type FieldErrors } from '../domain/field-errors.js';
import { hashPassword, HashQueueFullError, passwordProblem } from '../domain/password.js';
import { isPermission, type Permission } from '../domain/permission.js';
import { USER_MESSAGES, usernameProblem } from '../domain/user.js';
import type { SessionStore } from '../store/session-store.js';
import { revokeSelected } from '../store/token-revocation.js';
import { DuplicateUsernameError, stripHash, type User, type UserStore } from '../store/user-store.js';
import type { Actor } from './actor.js';
import { NotFoundError, UnavailableError, ValidationError } from './errors.js';
import { authorize } from './policy.js';
import type { Change, UnitOfWork } from './unit-of-work.js';

export interface NewUser {
  readonly username: string;
  readonly password: string;
  readonly administrator?: boolean;
  readonly permissions?: readonly string[];
}

export interface UserChanges {
  readonly username?: string;
  readonly password?: string;
  readonly administrator?: boolean;
  readonly permissions?: readonly string[];
  /** With a new password: revoke the user's personal access tokens as well. */
  readonly revokePersonalAccessTokens?: boolean;
}

export interface UserServiceDeps {
  readonly users: UserStore;
  readonly sessions: Pick<SessionStore, 'deleteForUser'>;
  readonly work: UnitOfWork;
  /** Hashes a password (argon2id, bounded queue); defaults to domain/password.ts. */
  readonly hashPassword?: (password: string) => Promise<string>;
}

/** Field errors of a create or update request (the parts that need no store). */
function check(input: { username?: string; password?: string; permissions?: readonly string[] }): FieldErrors {
  const errors: FieldErrors = {};
  if (input.username !== undefined) {
    const problem = usernameProblem(input.username);
    if (problem) addFieldError(errors, 'username', problem);
  }
  if (input.password !== undefined) {
    const problem = passwordProblem(input.password);
    if (problem) addFieldError(errors, 'password', problem);
  }
  if (input.permissions !== undefined && !input.permissions.every(isPermission)) addFieldError(errors, 'permissions', USER_MESSAGES.permissionsInvalid);
  return errors;
}

export type UserService = ReturnType<typeof createUserService>;

export function createUserService(deps: UserServiceDeps) {
  const { users, work } = deps;
  const hashWith = deps.hashPassword ?? ((password: string) => hashPassword(password));
  // New passwords wait their turn in the same bounded hash queue as logins; a full queue is a 503.
  const hash = (password: string) =>
    hashWith(password).catch((err: unknown) => {
      if (err instanceof HashQueueFullError) throw new UnavailableError('Keygate is busy checking passwords. Try again shortly.', err.retryAfterSeconds);
      throw err;
    });

  const taken = (err: unknown): never => {
    if (err instanceof DuplicateUsernameError) throw new ValidationError({ username: [USER_MESSAGES.usernameTaken] });
    throw err;
  };

  /** Ends the user's other sessions and revokes their OAuth tokens (and PATs when asked). */
  const afterPasswordChange = async (actor: Actor, c: Change, userId: string, withPats: boolean) => {
    const keep = actor.kind === 'user' && actor.id === userId ? actor.sessionIdHash : undefined;
    const sessionsEnded = await deps.sessions.deleteForUser(c.trx, userId, keep);
    const oauth = await revokeSelected(c.trx, { userId, kinds: ['access_token', 'refresh_token'] }, c.nowMs);
    const pats = withPats ? await revokeSelected(c.trx, { userId, kinds: ['personal_access_token'] }, c.nowMs) : { count: 0, hashes: [] };
    const hashes = [...oauth.hashes, ...pats.hashes];
    if (hashes.length > 0) c.invalidate({ kind: 'tokens', hashes });
    return { sessionsEnded, tokensRevoked: oauth.count, patsRevoked: pats.count };
  };

  const self = {
    async list(actor: Actor, options: { page: number; perPage: number; filter?: string }): Promise<{ data: User[]; total: number }> {
      authorize(actor, { action: 'user.manage' });
      const filter = options.filter?.trim();
      return users.list({ page: options.page, perPage: options.perPage, ...(filter ? { filter } : {}) });
    },

    async get(actor: Actor, id: string): Promise<User> {
      authorize(actor, { action: 'user.manage' });
      const user = id.length <= 100 ? await users.findById(id) : null;
      if (!user) throw new NotFoundError('user');
      return stripHash(user);
    },

    /** A user from an id or a username (case-insensitive), as the CLI takes it. */
    async resolve(actor: Actor, ref: string): Promise<User> {
      authorize(actor, { action: 'user.manage' });
      const user = await users.findByRef(ref.trim());
      if (!user) throw new NotFoundError('user', `No user with the id or username "${ref}".`);
      return stripHash(user);
    },

    async create(actor: Actor, input: NewUser): Promise<User> {
      authorize(actor, { action: 'user.manage' });
      const errors = check({ username: input.username, password: input.password, permissions: input.permissions ?? [] });
      if (Object.keys(errors).length > 0) throw new ValidationError(errors);
      const passwordHash = await hash(input.password);
      const permissions = [...new Set(input.permissions ?? [])] as Permission[];
      const administrator = input.administrator ?? false;
      return work(actor, async (c) => {
        authorize(actor, { action: 'user.manage' });
        const user = await users.insert(c.trx, { username: input.username.trim(), passwordHash, administrator, permissions }, c.nowMs).catch(taken);
        await c.audit({ type: 'user.created', userId: user.id, details: { username: user.username, administrator, permissions } });
        return user;
      });
    },

    /**
     * Changes a user's name, password, administrator role or permissions. Permission changes take
     * effect on the user's tokens at once; a new password ends their other sessions and tokens.
     */
    async update(actor: Actor, id: string, changes: UserChanges): Promise<User> {
      authorize(actor, { action: 'user.manage' });
      const errors = check(changes);
      if (actor.kind === 'user' && actor.id === id && changes.administrator === false) addFieldError(errors, 'administrator', USER_MESSAGES.selfDemotion);
      if (Object.keys(errors).length > 0) throw new ValidationError(errors);
      const passwordHash = changes.password !== undefined ? await hash(changes.password) : undefined;
      return work(actor, async (c) => {
        authorize(actor, { action: 'user.manage' });
        const current = id.length <= 100 ? await users.findById(id, c.trx) : null;
        if (!current) throw new NotFoundError('user');
        const permissions = changes.permissions !== undefined ? ([...new Set(changes.permissions)] as Permission[]) : undefined;
        await users
          .update(
            c.trx,
            current.id,
            {
              ...(changes.username !== undefined ? { username: changes.username } : {}),
              ...(passwordHash !== undefined ? { passwordHash } : {}),
              ...(changes.administrator !== undefined ? { administrator: changes.administrator } : {}),
              ...(permissions !== undefined ? { permissions } : {}),
            },
            c.nowMs,
          )
          .catch(taken);
        const ended = passwordHash !== undefined ? await afterPasswordChange(actor, c, current.id, changes.revokePersonalAccessTokens === true) : null;
        // Permissions and the administrator role are read by the token check: flush this user's entries.
        c.invalidate({ kind: 'users', ids: [current.id] });
        const user = stripHash((await users.findById(current.id, c.trx))!);
        const changed = (['username', 'password', 'administrator', 'permissions'] as const).filter((k) => changes[k] !== undefined);
        await c.audit({
          type: 'user.updated',
          userId: user.id,
          details: {
            username: user.username,
            changed,
            administrator: user.administrator,
            permissions: user.grantedPermissions,
            password_changed: passwordHash !== undefined,
            sessions_ended: ended?.sessionsEnded ?? 0,
            tokens_revoked: ended?.tokensRevoked ?? 0,
            personal_access_tokens_revoked: ended?.patsRevoked ?? 0,
          },
        });
        return user;
      });
    },

    /** Sets a password by username or id (the CLI's `user:password`, the way back in for a lost one). */
    async changePassword(actor: Actor, ref: string, password: string, options: { revokePersonalAccessTokens?: boolean } = {}): Promise<User> {
      const user = await self.resolve(actor, ref);
      return self.update(actor, user.id, { password, ...(options.revokePersonalAccessTokens ? { revokePersonalAccessTokens: true } : {}) });
    },

    /** Deletes a user; their sessions, codes and tokens end at once. Nobody deletes themselves. */
    async delete(actor: Actor, id: string): Promise<User> {
      authorize(actor, { action: 'user.manage' });
      if (actor.kind === 'user' && actor.id === id) throw new ValidationError({ id: [USER_MESSAGES.selfDeletion] });
      return work(actor, async (c) => {
        const current = id.length <= 100 ? await users.findById(id, c.trx) : null;
        if (!current || !(await users.delete(c.trx, current.id))) throw new NotFoundError('user');
        c.invalidate({ kind: 'users', ids: [current.id] });
        await c.audit({ type: 'user.deleted', userId: current.id, details: { username: current.username } });
        return stripHash(current);
      });
    },

    /** How many users exist (first start creates the administrator when there are none). */
    count(): Promise<number> {
      return users.count();
    },
  };
  return self;
}
