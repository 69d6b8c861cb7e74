/**
 * The one policy: "may this actor do this to this object with this change?" Every service asks it
 * inside its transaction, before it writes; surfaces only ask `may()` to decide what to show.
 * The rules are INTERFACE.md's "Rules that hold on every surface" and its permission table.
 * A new rule goes here (or in the service that owns the object), never in a route.
 */
import type { Client } from '../domain/client.js';
import type { Permission } from '../domain/permission.js';
import type { Actor } from './actor.js';
import { ForbiddenError } from './errors.js';

/** Which settings of a client a change touches (true = the value differs). */
export interface ClientChange {
  readonly name?: boolean;
  readonly types?: boolean;
  readonly redirect?: boolean;
  readonly scopes?: boolean;
  readonly trusted?: boolean;
  readonly introspectAll?: boolean;
  readonly permissions?: boolean;
  /** The change gives the client a scope beyond Keygate's own (`api`, `api:read`). */
  readonly customScopes?: boolean;
}

export type PolicyRequest =
  | { readonly action: 'client.view' }
  | { readonly action: 'client.create'; readonly change: ClientChange }
  /** Without `client`: may the actor edit clients at all (before one is looked up)? */
  | { readonly action: 'client.update'; readonly client?: Client; readonly change?: ClientChange }
  | { readonly action: 'client.secret'; readonly client?: Client }
  | { readonly action: 'client.delete' }
  | { readonly action: 'user.manage' }
  | { readonly action: 'pat.manage'; readonly ownerId: string }
  | { readonly action: 'authorization.manage'; readonly ownerId: string }
  | { readonly action: 'token.admin' }
  | { readonly action: 'audit.view' }
  | { readonly action: 'scope.view' }
  | { readonly action: 'scope.manage' };

export type PolicyAction = PolicyRequest['action'];

export type Decision = { readonly allowed: true } | { readonly allowed: false; readonly reason: string };

export const POLICY_MESSAGES = {
  unauthorized: 'This action is unauthorized.',
  adminFields: 'Only administrators may set trusted, introspect_all or permissions.',
  customScopes: 'Only administrators may give a client a scope other than api and api:read.',
  privilegedClient:
    'Only an administrator may change the redirect URLs, grant types, scopes or secret of a client that is trusted, may introspect all tokens, or holds permissions.',
  delegatedToken:
    'Personal access tokens and authorized applications can be managed only with a browser session or a personal access token, not with a token an application obtained.',
  userRequired: 'This needs a user: a client acting as itself cannot do it.',
  administratorsOnly: 'Only administrators can do this.',
} as const;

const ALLOW: Decision = { allowed: true };
const deny = (reason: string): Decision => ({ allowed: false, reason });

export function isAdministrator(actor: Actor): boolean {
  return actor.kind === 'system' || (actor.kind === 'user' && actor.administrator);
}

export function holdsPermission(actor: Actor, permission: Permission): boolean {
  if (actor.kind === 'system') return true;
  if (actor.kind === 'user' && actor.administrator) return true;
  return actor.permissions.includes(permission);
}

/** A client whose settings protect something only administrators may hand out. */
export function isPrivilegedClient(client: Pick<Client, 'trusted' | 'introspectAll' | 'permissions'>): boolean {
  return client.trusted || client.introspectAll || client.permissions.length > 0;
}

function needs(actor: Actor, permission: Permission): Decision {
  return holdsPermission(actor, permission) ? ALLOW : deny(POLICY_MESSAGES.unauthorized);
}

/** The fields of a client change only administrators may make, whatever the client. */
function adminOnlyChange(actor: Actor, change: ClientChange): Decision {
  if (isAdministrator(actor)) return ALLOW;
  if (change.trusted || change.introspectAll || change.permissions) return deny(POLICY_MESSAGES.adminFields);
  if (change.customScopes) return deny(POLICY_MESSAGES.customScopes);
  return ALLOW;
}

/**
 * Personal access tokens and authorizations: the owner or an administrator, and only with a
 * session or a personal access token. An access token an application obtained through an OAuth
 * grant gets 403 whoever its user (otherwise a delegated token could mint a permanent one).
 */
function ownTokens(actor: Actor, ownerId: string): Decision {
  if (actor.kind === 'system') return ALLOW;
  if (actor.kind === 'client') return deny(POLICY_MESSAGES.userRequired);
  if (actor.credential === 'access_token') return deny(POLICY_MESSAGES.delegatedToken);
  return actor.id === ownerId || actor.administrator ? ALLOW : deny(POLICY_MESSAGES.unauthorized);
}

export function decide(actor: Actor, request: PolicyRequest): Decision {
  switch (request.action) {
    case 'client.view':
      return needs(actor, 'view-auth_clients');
    case 'client.create': {
      const base = needs(actor, 'create-auth_clients');
      return base.allowed ? adminOnlyChange(actor, request.change) : base;
    }
    case 'client.update': {
      const base = needs(actor, 'edit-auth_clients');
      if (!base.allowed || request.client === undefined || request.change === undefined) return base;
      const { change } = request;
      const fields = adminOnlyChange(actor, change);
      if (!fields.allowed) return fields;
      // What trust, introspection and permissions protect: a non-administrator who could change
      // where codes go, which grants work, or the scopes of such a client could take them over.
      if (!isAdministrator(actor) && isPrivilegedClient(request.client) && (change.redirect || change.types || change.scopes)) {
        return deny(POLICY_MESSAGES.privilegedClient);
      }
      return ALLOW;
    }
    case 'client.secret': {
      const base = needs(actor, 'edit-auth_clients');
      if (!base.allowed || request.client === undefined) return base;
      return !isAdministrator(actor) && isPrivilegedClient(request.client) ? deny(POLICY_MESSAGES.privilegedClient) : ALLOW;
    }
    case 'client.delete':
      return needs(actor, 'delete-auth_clients');
    case 'pat.manage':
    case 'authorization.manage':
      return ownTokens(actor, request.ownerId);
    case 'scope.view':
      return actor.kind === 'client' ? deny(POLICY_MESSAGES.userRequired) : ALLOW;
    case 'user.manage':
    case 'token.admin':
    case 'audit.view':
    case 'scope.manage':
      return isAdministrator(actor) ? ALLOW : deny(actor.kind === 'client' ? POLICY_MESSAGES.userRequired : POLICY_MESSAGES.unauthorized);
  }
}

/** Throws ForbiddenError unless the policy allows the request. */
export function authorize(actor: Actor, request: PolicyRequest): void {
  const decision = decide(actor, request);
  if (!decision.allowed) throw new ForbiddenError(decision.reason);
}

/** Whether the policy allows the request (for what a page shows). */
export function may(actor: Actor, request: PolicyRequest): boolean {
  return decide(actor, request).allowed;
}
