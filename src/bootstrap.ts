/**
 * First start on an empty store (INTERFACE.md, "Running"): create the administrator and a
 * confidential "Personal Access Client", so the console and PATs work out of the box. Both go
 * through the services like any other change, audited as done by the system.
 */
import { randomBytes } from 'node:crypto';
import type { Context } from './context.js';
import { PERMISSIONS } from './domain/permission.js';
import { BOOTSTRAP_ACTOR } from './services/actor.js';
import { ValidationError } from './services/errors.js';

export const PERSONAL_ACCESS_CLIENT_NAME = 'Personal Access Client';

export interface BootstrapResult {
  readonly created: boolean;
  readonly username?: string;
  /** Set only when the password was generated; print it once to the terminal, never to the log. */
  readonly generatedPassword?: string;
  /** A line for the terminal when a setting had no effect (KEYGATE_ADMIN_PASSWORD on an existing store). */
  readonly notice?: string;
}

export async function bootstrapIfEmpty(ctx: Pick<Context, 'config' | 'services'>): Promise<BootstrapResult> {
  const { config, services } = ctx;
  if ((await services.users.count()) > 0) {
    if (config.adminPassword === undefined) return { created: false };
    return {
      created: false,
      notice:
        'KEYGATE_ADMIN_PASSWORD is ignored: the store already has users, so no administrator was created. ' +
        `To reset a password, run: npx keygate user:password --username ${config.adminUsername} --password-stdin`,
    };
  }
  const generated = config.adminPassword === undefined ? randomBytes(18).toString('base64url') : undefined;
  const password = config.adminPassword ?? generated!;
  let admin;
  try {
    admin = await services.users.create(BOOTSTRAP_ACTOR, { username: config.adminUsername, password, administrator: true, permissions: [...PERMISSIONS] });
  } catch (err) {
    // Another node bootstrapped the same empty store at the same moment.
    if (err instanceof ValidationError && err.errors.username) return { created: false };
    throw err;
  }
  try {
    await services.clients.create(BOOTSTRAP_ACTOR, { name: PERSONAL_ACCESS_CLIENT_NAME, types: ['personal_access_client'], confidential: true });
  } catch (err) {
    if (!(err instanceof ValidationError && err.errors.name)) throw err;
  }
  return { created: true, username: admin.username, ...(generated ? { generatedPassword: generated } : {}) };
}
