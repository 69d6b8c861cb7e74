/** Users and their permissions, persistence only (src/services/users.ts decides and audits). */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { effectivePermissions, type Permission } from '../domain/permission.js';
import type { Store } from './db.js';
import { containsText, fromFlag, isUniqueViolation, toDate, toFlag } from './db.js';
import type { Database } from './schema.js';

export interface User {
  readonly id: string;
  readonly username: string;
  readonly administrator: boolean;
  /** Granted permissions (an administrator holds all regardless). */
  readonly grantedPermissions: string[];
  /** What the user may do: all four for an administrator. */
  readonly permissions: Permission[];
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface UserWithHash extends User {
  readonly passwordHash: string;
}

export class DuplicateUsernameError extends Error {
  override readonly name = 'DuplicateUsernameError';
  constructor(username: string) {
    super(`a user named "${username}" already exists`);
  }
}

export function usernameKey(username: string): string {
  return username.trim().toLowerCase();
}

export type UserStore = ReturnType<typeof createUserStore>;

export function createUserStore(store: Store) {
  const { db } = store;

  const setPermissions = async (trx: Kysely<Database>, id: string, permissions: readonly string[], replace: boolean): Promise<void> => {
    if (replace) await trx.deleteFrom('user_permissions').where('user_id', '=', id).execute();
    const perms = [...new Set(permissions)];
    if (perms.length > 0) await trx.insertInto('user_permissions').values(perms.map((permission) => ({ user_id: id, permission }))).execute();
  };

  const permissionsOf = async (ids: string[], q: Kysely<Database> = db): Promise<Map<string, string[]>> => {
    const map = new Map<string, string[]>();
    if (ids.length === 0) return map;
    const rows = await q.selectFrom('user_permissions').select(['user_id', 'permission']).where('user_id', 'in', ids).execute();
    for (const r of rows) map.set(r.user_id, [...(map.get(r.user_id) ?? []), r.permission]);
    return map;
  };

  type Row = { id: string; username: string; administrator: number; password_hash: string; created_at: number; updated_at: number };
  const toUser = (row: Row, granted: string[]): UserWithHash => ({
    id: row.id,
    username: row.username,
    administrator: fromFlag(row.administrator),
    grantedPermissions: [...granted].sort(),
    permissions: effectivePermissions(fromFlag(row.administrator), granted),
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
    passwordHash: row.password_hash,
  });

  const columns = ['id', 'username', 'administrator', 'password_hash', 'created_at', 'updated_at'] as const;

  const self = {
    async count(): Promise<number> {
      const row = await db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      return Number(row.n);
    },

    async findById(id: string, q: Kysely<Database> = db): Promise<UserWithHash | null> {
      const row = await q.selectFrom('users').select(columns).where('id', '=', id).executeTakeFirst();
      if (!row) return null;
      return toUser(row, (await permissionsOf([id], q)).get(id) ?? []);
    },

    async findByUsername(username: string, q: Kysely<Database> = db): Promise<UserWithHash | null> {
      const row = await q.selectFrom('users').select(columns).where('username_key', '=', usernameKey(username)).executeTakeFirst();
      if (!row) return null;
      return toUser(row, (await permissionsOf([row.id], q)).get(row.id) ?? []);
    },

    /** A user by id without the password hash (what a console session acts as). */
    async findPublicById(id: string): Promise<User | null> {
      const user = await self.findById(id);
      return user ? stripHash(user) : null;
    },

    /** A user by id, or else by username (case-insensitive). */
    async findByRef(ref: string, q: Kysely<Database> = db): Promise<UserWithHash | null> {
      return (ref.length <= 100 ? await self.findById(ref, q) : null) ?? (await self.findByUsername(ref, q));
    },

    /** Inserts a user with their permissions; throws DuplicateUsernameError when the name is taken (in any case). */
    async insert(
      trx: Kysely<Database>,
      input: { username: string; passwordHash: string; administrator: boolean; permissions: readonly string[] },
      nowMs: number,
    ): Promise<User> {
      const id = randomUUID();
      const username = input.username.trim();
      try {
        await trx
          .insertInto('users')
          .values({
            id,
            username,
            username_key: usernameKey(username),
            password_hash: input.passwordHash,
            administrator: toFlag(input.administrator),
            created_at: nowMs,
            updated_at: nowMs,
          })
          .execute();
      } catch (err) {
        if (isUniqueViolation(err)) throw new DuplicateUsernameError(username);
        throw err;
      }
      await setPermissions(trx, id, input.permissions, false);
      return stripHash((await self.findById(id, trx))!);
    },

    /** Changes a user; false when there is no such user. Throws DuplicateUsernameError. */
    async update(
      trx: Kysely<Database>,
      id: string,
      changes: { username?: string; passwordHash?: string; administrator?: boolean; permissions?: readonly string[] },
      nowMs: number,
    ): Promise<boolean> {
      let res;
      try {
        res = await trx
          .updateTable('users')
          .set({
            updated_at: nowMs,
            ...(changes.username !== undefined ? { username: changes.username.trim(), username_key: usernameKey(changes.username) } : {}),
            ...(changes.passwordHash !== undefined ? { password_hash: changes.passwordHash } : {}),
            ...(changes.administrator !== undefined ? { administrator: toFlag(changes.administrator) } : {}),
          })
          .where('id', '=', id)
          .executeTakeFirst();
      } catch (err) {
        if (isUniqueViolation(err)) throw new DuplicateUsernameError(changes.username ?? '');
        throw err;
      }
      if (Number(res.numUpdatedRows) === 0) return false;
      if (changes.permissions !== undefined) await setPermissions(trx, id, changes.permissions, true);
      return true;
    },

    /** Deletes a user; their sessions, codes and tokens go with them (foreign keys cascade). */
    async delete(trx: Kysely<Database>, id: string): Promise<boolean> {
      const res = await trx.deleteFrom('users').where('id', '=', id).executeTakeFirst();
      return Number(res.numDeletedRows) > 0;
    },

    async list(options: { page: number; perPage: number; filter?: string }): Promise<{ data: User[]; total: number }> {
      let q = db.selectFrom('users');
      if (options.filter) q = q.where(containsText('username_key', options.filter.trim().toLowerCase()));
      const totalRow = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      const rows = await q
        .select(columns)
        .orderBy('username_key')
        .limit(options.perPage)
        .offset((options.page - 1) * options.perPage)
        .execute();
      const perms = await permissionsOf(rows.map((r) => r.id));
      return { data: rows.map((r) => stripHash(toUser(r, perms.get(r.id) ?? []))), total: Number(totalRow.n) };
    },
  };
  return self;
}

export function stripHash(user: UserWithHash): User {
  const { passwordHash: _omit, ...rest } = user;
  return rest;
}

