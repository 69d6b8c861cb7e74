/**
 * The scope catalog (INTERFACE.md): `api` lets a token do everything its principal may do;
 * `api:read` narrows it to reading (GET only). No scope requested means the default, `api`.
 */
export const SCOPES = ['api', 'api:read'] as const;
export type Scope = (typeof SCOPES)[number];
export const DEFAULT_SCOPES: readonly Scope[] = ['api'];

export const SCOPE_DESCRIPTIONS: Readonly<Record<Scope, string>> = {
  api: 'Act on your behalf: read and change everything you can in the API',
  'api:read': 'Read your data through the API, without changing anything',
};

/** Keygate's own scopes: reserved names, never in the catalog table. */
export const BUILTIN_SCOPES: readonly string[] = SCOPES;

export const SCOPE_NAME_MAX_LENGTH = 64;

/**
 * RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ) — printable ASCII without space,
 * double quote or backslash; at most 64 characters here.
 */
export function isScopeToken(value: string): boolean {
  return value.length > 0 && value.length <= SCOPE_NAME_MAX_LENGTH && /^[\x21\x23-\x5B\x5D-\x7E]+$/.test(value);
}

export function isBuiltinScope(value: string): boolean {
  return BUILTIN_SCOPES.includes(value);
}

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

/**
 * Parses a space-delimited scope string (RFC 6749 §3.3). Returns the scopes, or null when any
 * is outside the catalog. Duplicates are removed; an empty string gives the default.
 */
export function parseScopeString(raw: string | undefined | null): Scope[] | null {
  const parts = (raw ?? '').split(' ').filter((s) => s.length > 0);
  if (parts.length === 0) return [...DEFAULT_SCOPES];
  const out: Scope[] = [];
  for (const part of parts) {
    if (!isScope(part)) return null;
    if (!out.includes(part)) out.push(part);
  }
  return out;
}

export function formatScopes(scopes: readonly string[]): string {
  return scopes.join(' ');
}

/** True when `requested` asks for nothing beyond `granted`. `api` covers `api:read`. */
export function isScopeSubset(requested: readonly string[], granted: readonly string[]): boolean {
  return requested.every((s) => granted.includes(s) || (s === 'api:read' && granted.includes('api')));
}

/** Whether a token with these scopes may perform an HTTP method: `api:read` allows reads only. */
export function allowsMethod(scopes: readonly string[], method: string): boolean {
  if (scopes.includes('api')) return true;
  if (scopes.includes('api:read')) return method === 'GET' || method === 'HEAD';
  return false;
}
