/**
 * Who asks for an operation, as every service receives it. Surfaces build it from what
 * authenticated the request: the console's session, the API's bearer token (a personal access
 * token, or an access token from an OAuth grant that acts for a user or, with client credentials,
 * for the client itself), or the process itself (the CLI, first-start bootstrap).
 */
import { effectivePermissions, type Permission } from '../domain/permission.js';

/** How a user proved who they are on this request. */
export type UserCredential = 'session' | 'personal_access_token' | 'access_token';

export interface UserActor {
  readonly kind: 'user';
  readonly id: string;
  readonly username: string;
  readonly administrator: boolean;
  readonly permissions: readonly Permission[];
  readonly credential: UserCredential;
  /** The digest of the console session this request came with (to keep it when others end). */
  readonly sessionIdHash?: string;
}

/** A client-credentials token: the client acts as itself, with the permissions it was granted. */
export interface ClientActor {
  readonly kind: 'client';
  readonly clientId: string;
  readonly permissions: readonly Permission[];
}

/** The process itself: whoever can run the CLI can open the store anyway. */
export interface SystemActor {
  readonly kind: 'system';
  readonly name: 'cli' | 'bootstrap';
}

export type Actor = UserActor | ClientActor | SystemActor;

export const CLI_ACTOR: SystemActor = { kind: 'system', name: 'cli' };
export const BOOTSTRAP_ACTOR: SystemActor = { kind: 'system', name: 'bootstrap' };

export function userActor(
  user: { id: string; username: string; administrator: boolean; permissions: readonly string[] },
  credential: UserCredential,
  sessionIdHash?: string,
): UserActor {
  return {
    kind: 'user',
    id: user.id,
    username: user.username,
    administrator: user.administrator,
    permissions: effectivePermissions(user.administrator, user.permissions),
    credential,
    ...(sessionIdHash !== undefined ? { sessionIdHash } : {}),
  };
}

/** How an actor is named in the audit log. */
export function auditActor(actor: Actor): { readonly id: string | null; readonly name: string } {
  switch (actor.kind) {
    case 'user':
      return { id: actor.id, name: actor.username };
    case 'client':
      return { id: null, name: `client ${actor.clientId}` };
    case 'system':
      return { id: null, name: actor.name === 'cli' ? 'cli' : 'system' };
  }
}
