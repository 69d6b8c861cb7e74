/**
 * The one scope resolution every grant (authorization code, password, client credentials, device
 * code) and PAT creation goes through (RFC 6749 §3.3; INTERFACE.md "Scopes and permissions"): a
 * requested scope must be one the client is allowed, and a custom one must exist in the catalog;
 * none requested gives `api` when the client is allowed it, else all the client's allowed scopes.
 * Anything else is `invalid_scope`. Refresh narrows the original grant instead (`checkScopeNarrowing`).
 */
import { isBuiltinScope, isScopeSubset, parseScopeString, resolveScopes } from '../domain/scope.js';
import type { ScopeStore } from '../store/scope-store.js';
import { InvalidScopeError } from './errors.js';

/** Which custom scope names exist in the catalog. */
export type ScopeCatalog = Pick<ScopeStore, 'existing'>;

/** The requested scopes as a list (RFC 6749 §3.3 syntax), or `InvalidScopeError`. */
export function requireScopeList(raw: string | undefined): string[] {
  const requested = parseScopeString(raw);
  if (requested === null) throw new InvalidScopeError('The scope parameter must be space-separated scope names.');
  return requested;
}

/**
 * The scopes a token for this client gets for this request, or `InvalidScopeError`. Reads the
 * catalog only when a custom scope is involved (the built-in default costs no query).
 */
export async function resolveGrantScopes(raw: string | readonly string[] | undefined, client: { readonly scopes: readonly string[] }, catalog: ScopeCatalog): Promise<string[]> {
  const requested = typeof raw === 'string' || raw === undefined ? requireScopeList(raw) : [...new Set(raw)];
  const candidates = (requested.length > 0 ? requested : client.scopes).filter((s) => !isBuiltinScope(s));
  const needsCatalog = candidates.length > 0 && !(requested.length === 0 && client.scopes.includes('api'));
  const known = needsCatalog ? await catalog.existing(candidates) : new Set<string>();
  const resolved = resolveScopes(requested, client.scopes, known);
  if (!resolved.ok) throw new InvalidScopeError(resolved.reason);
  return resolved.scopes;
}

/** RFC 6749 §6: "The requested scope MUST NOT include any scope not originally granted". */
export function checkScopeNarrowing(raw: string | undefined, granted: readonly string[]): readonly string[] {
  if (raw === undefined) return granted;
  const requested = requireScopeList(raw);
  if (requested.length === 0) return granted;
  if (!isScopeSubset(requested, granted)) throw new InvalidScopeError('The requested scope exceeds the scope originally granted.');
  return requested;
}
