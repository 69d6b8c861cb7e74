/**
 * The scope catalog: custom scopes for the teams' own APIs (INTERFACE.md, "Scopes and
 * permissions"). Anyone signed in may list them; only administrators create, describe and
 * delete them. Deleting a scope strips it for good from every client, consent and token in one
 * transaction, revokes a token left with no scope, and records the invalidation so every node's
 * token-check cache and client cache forget what changed; creating the name again revives nothing.
 */
import { addFieldError, type FieldErrors } from '../domain/field-errors.js';
import { BUILTIN_SCOPES, isScopeToken, SCOPE_DESCRIPTIONS, SCOPE_MESSAGES, scopeDescriptionProblem, scopeNameProblem, type Scope } from '../domain/scope.js';
import { DuplicateScopeError, type ScopeRecord, type ScopeStore } from '../store/scope-store.js';
import type { Actor } from './actor.js';
import { NotFoundError, ValidationError } from './errors.js';
import { authorize } from './policy.js';
import type { UnitOfWork } from './unit-of-work.js';

export interface ScopeServiceDeps {
  readonly scopes: ScopeStore;
  readonly work: UnitOfWork;
}

export interface ScopeRequest {
  readonly name?: unknown;
  readonly description?: unknown;
}

/** A scope as the consent page and the client form show it (built-ins have no creation time). */
export interface ScopeDescription {
  readonly name: string;
  readonly description: string;
  readonly builtin: boolean;
}

/** What deleting a scope changed. */
export interface ScopeDeletion {
  readonly name: string;
  readonly clients: number;
  readonly consents: number;
  readonly tokens: number;
  readonly tokensRevoked: number;
}

export type ScopeService = ReturnType<typeof createScopeService>;

const BUILTIN_DESCRIPTIONS: ScopeDescription[] = BUILTIN_SCOPES.map((name) => ({ name, description: SCOPE_DESCRIPTIONS[name as Scope], builtin: true }));

export function createScopeService(deps: ScopeServiceDeps) {
  const { scopes, work } = deps;

  const description = (value: unknown, errors: FieldErrors): string => {
    const problem = scopeDescriptionProblem(value);
    if (problem) addFieldError(errors, 'description', problem);
    return typeof value === 'string' ? value.trim() : '';
  };

  /** A name from a URL or a command line: anything that cannot be a stored scope is simply not found. */
  const findOrThrow = async (name: string, trx?: Parameters<ScopeStore['find']>[1]): Promise<ScopeRecord> => {
    const found = isScopeToken(name) ? await scopes.find(name, trx) : null;
    if (!found) throw new NotFoundError('scope', `No scope named "${name.slice(0, 64)}".`);
    return found;
  };

  return {
    /** The catalog (custom scopes only), by name. */
    async list(actor: Actor): Promise<ScopeRecord[]> {
      authorize(actor, { action: 'scope.view' });
      return scopes.list();
    },

    async get(actor: Actor, name: string): Promise<ScopeRecord> {
      authorize(actor, { action: 'scope.view' });
      return findOrThrow(name);
    },

    /** Built-in and custom scopes with their descriptions (public: the metadata lists the names too). */
    async catalog(): Promise<ScopeDescription[]> {
      const custom = await scopes.list();
      return [...BUILTIN_DESCRIPTIONS, ...custom.map((s) => ({ name: s.name, description: s.description, builtin: false }))];
    },

    /** The description of each given scope, in order; a name not in the catalog describes itself. */
    async describe(names: readonly string[]): Promise<ScopeDescription[]> {
      const all = await this.catalog();
      return names.map((name) => all.find((s) => s.name === name) ?? { name, description: name, builtin: false });
    },

    async create(actor: Actor, request: ScopeRequest): Promise<ScopeRecord> {
      return work(actor, async (c) => {
        authorize(actor, { action: 'scope.manage' });
        const errors: FieldErrors = {};
        const nameProblem = scopeNameProblem(request.name);
        if (nameProblem) addFieldError(errors, 'name', nameProblem);
        const text = description(request.description, errors);
        const name = request.name as string;
        if (!nameProblem && (await scopes.find(name, c.trx))) addFieldError(errors, 'name', SCOPE_MESSAGES.nameTaken);
        if (Object.keys(errors).length > 0) throw new ValidationError(errors);
        const created = await scopes.insert(c.trx, { name, description: text }, c.nowMs).catch((err: unknown) => {
          if (err instanceof DuplicateScopeError) throw new ValidationError({ name: [SCOPE_MESSAGES.nameTaken] });
          throw err;
        });
        await c.audit({ type: 'scope.created', scope: name, details: { description: text } });
        return created;
      });
    },

    /** Changes only the description (a name is what tokens and clients hold; it never changes). */
    async updateDescription(actor: Actor, name: string, request: ScopeRequest): Promise<ScopeRecord> {
      return work(actor, async (c) => {
        authorize(actor, { action: 'scope.manage' });
        const current = await findOrThrow(name, c.trx);
        const errors: FieldErrors = {};
        const text = description(request.description, errors);
        if (Object.keys(errors).length > 0) throw new ValidationError(errors);
        await scopes.updateDescription(c.trx, current.name, text);
        await c.audit({ type: 'scope.updated', scope: current.name, details: { description: text } });
        return { ...current, description: text };
      });
    },

    /** Deletes a scope and strips it everywhere, for good (see the module comment). */
    async delete(actor: Actor, name: string): Promise<ScopeDeletion> {
      return work(actor, async (c) => {
        authorize(actor, { action: 'scope.manage' });
        const current = await findOrThrow(name, c.trx);
        const stripped = await scopes.stripEverywhere(c.trx, current.name, c.nowMs);
        await scopes.remove(c.trx, current.name);
        if (stripped.clientIds.length > 0) c.invalidate({ kind: 'clients', ids: stripped.clientIds });
        if (stripped.tokenHashes.length > 0) c.invalidate({ kind: 'tokens', hashes: stripped.tokenHashes });
        const result = { clients: stripped.clientIds.length, consents: stripped.consents, tokens: stripped.tokens, tokens_revoked: stripped.tokensRevoked };
        await c.audit({ type: 'scope.deleted', scope: current.name, details: result });
        return { name: current.name, clients: result.clients, consents: result.consents, tokens: result.tokens, tokensRevoked: result.tokens_revoked };
      });
    },
  };
}
