/**
 * First start on an empty store (INTERFACE.md, "Running"): create the administrator and a
 * confidential "Personal Access Client", so the console and PATs work out of the box.
 */
import { randomBytes } from 'node:crypto';
import type { Context } from './context.js';
import { PERMISSIONS } from './domain/permission.js';
import { hashPassword } from './domain/password.js';
import { DuplicateClientNameError } from './store/client-store.js';
import { DuplicateUsernameError } from './store/user-store.js';

export const PERSONAL_ACCESS_CLIENT_NAME = 'Personal Access Client';

export interface BootstrapResult {
  readonly created: boolean;
  readonly username?: string;
  /** Set only when the password was generated; print it once to the terminal, never to the log. */
  readonly generatedPassword?: string;
}

export async function bootstrapIfEmpty(ctx: Context): Promise<BootstrapResult> {
  if ((await ctx.users.count()) > 0) return { created: false };
  const generated = ctx.config.adminPassword === undefined ? randomBytes(18).toString('base64url') : undefined;
  const password = ctx.config.adminPassword ?? generated!;
  let admin;
  try {
    admin = await ctx.users.create({
      username: ctx.config.adminUsername,
      passwordHash: await hashPassword(password),
      administrator: true,
      permissions: [...PERMISSIONS],
    });
  } catch (err) {
    // Another node bootstrapped the same empty store at the same moment.
    if (err instanceof DuplicateUsernameError) return { created: false };
    throw err;
  }
  try {
    await ctx.clients.create(
      { name: PERSONAL_ACCESS_CLIENT_NAME, types: ['personal_access_client'], redirect: [], confidential: true },
      admin.id,
    );
  } catch (err) {
    if (!(err instanceof DuplicateClientNameError)) throw err;
  }
  await ctx.audit.record({ type: 'user.created', actor: { id: null, name: 'system' }, subjectType: 'user', subjectId: admin.id, details: { username: admin.username, administrator: true, reason: 'first start' } });
  return { created: true, username: admin.username, ...(generated ? { generatedPassword: generated } : {}) };
}
