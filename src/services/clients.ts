/**
 * Auth Clients: the only way to create, change, rotate the secret of, delete, list and read a
 * client, whatever the surface (REST API, console, CLI, bootstrap). Each change authorizes
 * (policy.ts), validates, writes, records what it makes stale and audits in one transaction.
 *
 * Rules owned here (INTERFACE.md, "Rules that hold on every surface"):
 * - only an administrator may change the redirect URLs, grant types, scopes or secret of a client
 *   that is trusted, may introspect all tokens, or holds permissions (policy.ts);
 * - changing a client's redirect URLs forgets the consents users gave it;
 * - removing a grant type revokes, for good, the tokens issued through it.
 */
import { CLIENT_TYPE_FOR_ORIGIN, TOKEN_ORIGINS, type Client, type ClientType, type TokenOrigin } from '../domain/client.js';
import { CLIENT_MESSAGES, changedClientFields, MAX_GRACE_PERIOD_SECONDS, validateClientRequest, type ClientDraft, type ClientRequest } from '../domain/client-rules.js';
import { addFieldError, type FieldErrors } from '../domain/field-errors.js';
import { hashSecret, issueSecret } from '../domain/secret.js';
import { parseClientScopes, SETTINGS_MESSAGES } from '../domain/client-settings.js';
import { isBuiltinScope } from '../domain/scope.js';
import { DEFAULT_CLIENT_SCOPES, DuplicateClientNameError, stripSecretState, type ClientListOptions, type ClientStore, type ClientTokenStats } from '../store/client-store.js';
import type { ScopeStore } from '../store/scope-store.js';
import type { ConsentStore } from '../store/consent-store.js';
import { revokeSelected } from '../store/token-revocation.js';
import type { Actor } from './actor.js';
import type { ClientSnapshot } from './audit-events.js';
import { NotFoundError, ValidationError } from './errors.js';
import { authorize, type ClientChange } from './policy.js';
import type { UnitOfWork } from './unit-of-work.js';

export const FILTER_MAX_LENGTH = 200;

export interface ClientServiceDeps {
  readonly clients: ClientStore;
  readonly scopes: Pick<ScopeStore, 'existing'>;
  readonly consents: Pick<ConsentStore, 'forgetClient'>;
  readonly work: UnitOfWork;
  readonly now: () => number;
}

export interface ClientWithStats extends Client {
  readonly stats: ClientTokenStats;
}

/** The token origins a change of grant types ends (types the client held and no longer does). */
export function originsEndedBy(before: readonly ClientType[], after: readonly ClientType[]): TokenOrigin[] {
  return TOKEN_ORIGINS.filter((origin) => before.includes(CLIENT_TYPE_FOR_ORIGIN[origin]) && !after.includes(CLIENT_TYPE_FOR_ORIGIN[origin]));
}

function snapshot(c: Client): ClientSnapshot {
  return {
    name: c.name,
    types: c.types,
    redirect: c.redirect,
    confidential: c.confidential,
    trusted: c.trusted,
    introspect_all: c.introspectAll,
    permissions: c.permissions,
    scopes: c.scopes,
    require_pkce: c.requirePkce,
    allowed_origins: c.allowedOrigins,
  };
}

/** What a create request asks for that only administrators may give, read leniently (before validation). */
function requestedPrivileges(request: ClientRequest): ClientChange {
  const scopes = parseClientScopes(request.scopes ?? [...DEFAULT_CLIENT_SCOPES]);
  return {
    trusted: request.trusted === true,
    introspectAll: request.introspect_all === true,
    permissions: Array.isArray(request.permissions) && request.permissions.length > 0,
    customScopes: 'scopes' in scopes && addsCustomScope([], scopes.scopes),
  };
}

function changeOf(fields: Record<string, unknown>): ClientChange {
  return {
    name: 'name' in fields,
    types: 'types' in fields,
    redirect: 'redirect' in fields,
    scopes: 'scopes' in fields,
    trusted: 'trusted' in fields,
    introspectAll: 'introspect_all' in fields,
    permissions: 'permissions' in fields,
  };
}

/** True when `after` holds a custom scope `before` did not (only administrators may give one). */
function addsCustomScope(before: readonly string[], after: readonly string[]): boolean {
  return after.some((s) => !isBuiltinScope(s) && !before.includes(s));
}

/** The client's settings after an update; left-out administrator fields and settings keep their value. */
function settingsAfter(current: Client, draft: ClientDraft) {
  return {
    name: draft.name,
    types: draft.types,
    redirect: draft.redirect,
    trusted: draft.trusted ?? current.trusted,
    introspectAll: draft.introspectAll ?? current.introspectAll,
    permissions: draft.permissions ?? current.permissions,
    scopes: draft.scopes ?? current.scopes,
    requirePkce: draft.requirePkce ?? current.requirePkce,
    allowedOrigins: draft.allowedOrigins ?? current.allowedOrigins,
  };
}

/** The fields an update changes (wire names → new values). */
function changesOf(current: Client, draft: ClientDraft): Record<string, unknown> {
  return changedClientFields(current, settingsAfter(current, draft));
}

/** What the policy judges about an update. */
function policyChange(current: Client, draft: ClientDraft): ClientChange {
  return { ...changeOf(changesOf(current, draft)), customScopes: addsCustomScope(current.scopes, settingsAfter(current, draft).scopes) };
}

/** What an update would do that cannot be undone, for the console to show before it saves. */
export interface UpdatePreview {
  readonly client: Client;
  /** Active tokens the removal of a grant type would revoke, for good. */
  readonly tokensEnded: number;
  readonly typesRemoved: readonly ClientType[];
  /** Redirect URLs the update drops (consents given to the client are forgotten with any change of them). */
  readonly redirectRemoved: readonly string[];
}

/** Text a list filter may hold: no control characters (a NUL cannot even be stored by PostgreSQL). */
export function filterProblem(filter: string): string | null {
  if (filter.length > FILTER_MAX_LENGTH) return `The Filter may not be greater than ${FILTER_MAX_LENGTH} characters.`;
  for (let i = 0; i < filter.length; i++) {
    const c = filter.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return 'The Filter must not contain control characters.';
  }
  return null;
}

export type ClientService = ReturnType<typeof createClientService>;

export function createClientService(deps: ClientServiceDeps) {
  const { clients, work } = deps;

  /** The validated draft, or every problem at once (the name's uniqueness and unknown scopes included). */
  const validate = async (request: ClientRequest, current: Client | null, trx: Parameters<ClientStore['findByName']>[1]): Promise<ClientDraft> => {
    const checked = validateClientRequest(request, current ? { fixedConfidential: current.confidential } : {});
    const errors: FieldErrors = checked.ok ? {} : { ...checked.errors };
    if (typeof request.name === 'string' && request.name.trim() !== '') {
      const other = await clients.findByName(request.name, trx);
      if (other && other.id !== current?.id) addFieldError(errors, 'name', CLIENT_MESSAGES.nameTaken);
    }
    if (checked.ok && checked.value.scopes) {
      const custom = checked.value.scopes.filter((s) => !isBuiltinScope(s));
      const known = await deps.scopes.existing(custom, trx);
      for (const name of custom) if (!known.has(name)) addFieldError(errors, 'scopes', SETTINGS_MESSAGES.scopeUnknown(name));
    }
    if (!checked.ok || Object.keys(errors).length > 0) throw new ValidationError(errors);
    return checked.value;
  };

  /** The unique index is the last word when two requests race for one name. */
  const nameTaken = (err: unknown): never => {
    if (err instanceof DuplicateClientNameError) throw new ValidationError({ name: [CLIENT_MESSAGES.nameTaken] });
    throw err;
  };

  return {
    /** One page of clients, filtered and ordered in the store, with their token counts. */
    async list(actor: Actor, options: ClientListOptions): Promise<{ data: ClientWithStats[]; total: number }> {
      authorize(actor, { action: 'client.view' });
      const filter = options.filter?.trim() ?? '';
      const problem = filterProblem(filter);
      if (problem) throw new ValidationError({ filter: [problem] });
      const { data, total } = await clients.list({ ...options, filter });
      const stats = await clients.tokenStats(data.map((c) => c.id), deps.now());
      return { data: data.map((c) => ({ ...c, stats: stats.get(c.id) ?? { activeTokens: 0, lastUsedAt: null } })), total };
    },

    /**
     * One client by id, with its token counts. Someone who may edit (or delete) clients may read the
     * one they are about to change, even without the view permission.
     */
    async get(actor: Actor, id: string, purpose: 'view' | 'edit' | 'delete' = 'view'): Promise<ClientWithStats> {
      authorize(actor, { action: purpose === 'edit' ? 'client.update' : purpose === 'delete' ? 'client.delete' : 'client.view' });
      const found = id.length <= 100 ? await clients.findById(id) : null;
      if (!found) throw new NotFoundError('client');
      const stats = await clients.tokenStats([found.id], deps.now());
      return { ...stripSecretState(found), stats: stats.get(found.id) ?? { activeTokens: 0, lastUsedAt: null } };
    },

    /** A client's id from its id or its name (case-insensitive), as the CLI's `--id` takes it. */
    async resolve(actor: Actor, ref: string): Promise<Client> {
      authorize(actor, { action: 'client.view' });
      const found = await clients.findByRef(ref.trim());
      if (!found) throw new NotFoundError('client', `No Auth Client with the id or name "${ref}".`);
      return stripSecretState(found);
    },

    /** Creates a client; a confidential one gets a secret, returned here once. */
    async create(actor: Actor, request: ClientRequest): Promise<{ client: Client; secret: string | null }> {
      return work(actor, async (c) => {
        authorize(actor, { action: 'client.create', change: requestedPrivileges(request) });
        const draft = await validate(request, null, c.trx);
        const secret = draft.confidential ? issueSecret('clientSecret') : null;
        const createdBy = actor.kind === 'user' ? actor.id : null;
        const client = await clients.insert(c.trx, { ...draft, secretHash: secret === null ? null : hashSecret(secret), createdBy }, c.nowMs).catch(nameTaken);
        // Nothing cached knows the client yet, but the CORS origin set may grow (src/oauth/cors-origins.ts).
        c.invalidate({ kind: 'clients', ids: [client.id] });
        await c.audit({ type: 'client.created', clientId: client.id, details: snapshot(client) });
        return { client, secret };
      });
    },

    /**
     * Replaces a client's name, grant types and redirect URLs (and, for administrators, trust,
     * introspection and permissions). Removing a grant type revokes the tokens issued through it;
     * changing the redirect URLs forgets the consents given to the client.
     */
    async update(actor: Actor, id: string, request: ClientRequest): Promise<{ client: Client; tokensRevoked: number; consentsForgotten: number }> {
      return work(actor, async (c) => {
        authorize(actor, { action: 'client.update' });
        const current = id.length <= 100 ? await clients.findById(id, c.trx) : null;
        if (!current) throw new NotFoundError('client');
        const draft = await validate(request, current, c.trx);
        const changed = changesOf(current, draft);
        authorize(actor, { action: 'client.update', client: current, change: policyChange(current, draft) });
        if (!(await clients.update(c.trx, current.id, draft, c.nowMs).catch(nameTaken))) throw new NotFoundError('client');
        const consentsForgotten = 'redirect' in changed ? await deps.consents.forgetClient(c.trx, current.id) : 0;
        const ended = originsEndedBy(current.types, draft.types);
        const revoked = await revokeSelected(c.trx, { clientId: current.id, origins: ended }, c.nowMs);
        c.invalidate({ kind: 'clients', ids: [current.id] });
        if (revoked.count > 0) {
          c.invalidate({ kind: 'tokens', hashes: revoked.hashes });
          await c.audit({ type: 'token.bulk_revoked', details: { filter: { client_id: current.id, origins: ended }, count: revoked.count } });
        }
        if (Object.keys(changed).length > 0) {
          await c.audit({ type: 'client.updated', clientId: current.id, details: { name: draft.name, changed: Object.keys(changed), values: changed } });
        }
        const client = stripSecretState((await clients.findById(current.id, c.trx))!);
        return { client, tokensRevoked: revoked.count, consentsForgotten };
      });
    },

    /**
     * What `update` would do with this request, without writing: refused exactly as `update` would
     * be (not found, policy, validation). The console asks for Confirm when it ends tokens.
     */
    async previewUpdate(actor: Actor, id: string, request: ClientRequest): Promise<UpdatePreview> {
      authorize(actor, { action: 'client.update' });
      const current = id.length <= 100 ? await clients.findById(id) : null;
      if (!current) throw new NotFoundError('client');
      const draft = await validate(request, current, undefined);
      authorize(actor, { action: 'client.update', client: current, change: policyChange(current, draft) });
      return {
        client: stripSecretState(current),
        tokensEnded: await clients.countActiveTokens(current.id, deps.now(), originsEndedBy(current.types, draft.types)),
        typesRemoved: current.types.filter((t) => !draft.types.includes(t)),
        redirectRemoved: current.redirect.filter((r) => !draft.redirect.includes(r)),
      };
    },

    /** How many active tokens an update would end (the console shows it before saving). */
    async tokensEndedBy(actor: Actor, id: string, types: readonly ClientType[]): Promise<number> {
      authorize(actor, { action: 'client.update' });
      const current = id.length <= 100 ? await clients.findById(id) : null;
      if (!current) throw new NotFoundError('client');
      return clients.countActiveTokens(current.id, deps.now(), originsEndedBy(current.types, types));
    },

    /** Issues a new secret, shown once; with `graceSeconds` > 0 the old one keeps working that long. */
    async regenerateSecret(actor: Actor, id: string, graceSeconds: number): Promise<{ client: Client; secret: string }> {
      return work(actor, async (c) => {
        authorize(actor, { action: 'client.secret' });
        const current = id.length <= 100 ? await clients.findById(id, c.trx) : null;
        if (!current) throw new NotFoundError('client');
        authorize(actor, { action: 'client.secret', client: current });
        if (!current.confidential) throw new ValidationError({ confidential: ['A public client has no secret to regenerate.'] });
        if (!Number.isInteger(graceSeconds) || graceSeconds < 0 || graceSeconds > MAX_GRACE_PERIOD_SECONDS) {
          throw new ValidationError({ grace_period: [`The Grace period must be a whole number of seconds from 0 to ${MAX_GRACE_PERIOD_SECONDS}.`] });
        }
        const secret = issueSecret('clientSecret');
        if (!(await clients.setSecret(c.trx, current.id, hashSecret(secret), graceSeconds, c.nowMs))) throw new NotFoundError('client');
        c.invalidate({ kind: 'clients', ids: [current.id] });
        await c.audit({ type: 'client.secret_regenerated', clientId: current.id, details: { name: current.name, grace_period: graceSeconds } });
        return { client: stripSecretState((await clients.findById(current.id, c.trx))!), secret };
      });
    },

    /** Deletes a client with every token and code issued to it; returns how many active tokens ended. */
    async delete(actor: Actor, id: string): Promise<{ id: string; name: string; tokensEnded: number }> {
      return work(actor, async (c) => {
        authorize(actor, { action: 'client.delete' });
        const current = id.length <= 100 ? await clients.findById(id, c.trx) : null;
        if (!current) throw new NotFoundError('client');
        const tokensEnded = await clients.countActiveTokens(current.id, c.nowMs, undefined, c.trx);
        if (!(await clients.delete(c.trx, current.id))) throw new NotFoundError('client');
        c.invalidate({ kind: 'clients', ids: [current.id] });
        await c.audit({ type: 'client.deleted', clientId: current.id, details: { name: current.name, tokens_ended: tokensEnded } });
        return { id: current.id, name: current.name, tokensEnded };
      });
    },
  };
}
