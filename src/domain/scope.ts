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

export const SCOPE_DESCRIPTION_MAX_LENGTH = 255;

export const SCOPE_MESSAGES = {
  nameRequired: 'The Name field is required.',
  nameSyntax: `The Name must be a scope token: 1 to ${SCOPE_NAME_MAX_LENGTH} printable characters, without spaces, double quotes or backslashes (RFC 6749 §3.3), such as orders:read.`,
  nameReserved: (name: string) => `The scope "${name}" is built in and reserved: choose another name.`,
  nameTaken: 'A scope with this Name already exists.',
  descriptionRequired: 'The Description field is required (the consent page shows it to users).',
  descriptionLength: `The Description may not be greater than ${SCOPE_DESCRIPTION_MAX_LENGTH} characters.`,
  descriptionControl: 'The Description must not contain control characters.',
} as const;

/** What is wrong with a new scope's name, or null (reserved built-ins included). */
export function scopeNameProblem(name: unknown): string | null {
  if (typeof name !== 'string' || name.length === 0) return SCOPE_MESSAGES.nameRequired;
  if (!isScopeToken(name)) return SCOPE_MESSAGES.nameSyntax;
  if (isBuiltinScope(name)) return SCOPE_MESSAGES.nameReserved(name);
  return null;
}

/** What is wrong with a scope's description, or null. */
export function scopeDescriptionProblem(description: unknown): string | null {
  if (typeof description !== 'string' || description.trim().length === 0) return SCOPE_MESSAGES.descriptionRequired;
  if (description.length > SCOPE_DESCRIPTION_MAX_LENGTH) return SCOPE_MESSAGES.descriptionLength;
  if (/[\x00-\x1f\x7f]/.test(description)) return SCOPE_MESSAGES.descriptionControl;
  return null;
}

/**
 * Splits a space-delimited scope string (RFC 6749 §3.3) into distinct scope-tokens, in order.
 * Null when any part is not a scope-token; an empty list when none is given.
 */
export function parseScopeString(raw: string | undefined | null): string[] | null {
  const parts = (raw ?? '').split(' ').filter((s) => s.length > 0);
  const out: string[] = [];
  for (const part of parts) {
    if (!isScopeToken(part)) return null;
    if (!out.includes(part)) out.push(part);
  }
  return out;
}

export type ScopeResolution = { readonly ok: true; readonly scopes: string[] } | { readonly ok: false; readonly reason: string };

/**
 * The one scope rule of every grant and of PAT creation (INTERFACE.md, "Scopes and permissions"):
 * each requested scope must be one the client is allowed, and a custom one must still be in the
 * catalog (`catalog`: the custom names among those that exist). None requested gives `api` when
 * the client is allowed it, else every scope the client is allowed.
 */
export function resolveScopes(requested: readonly string[], allowed: readonly string[], catalog: ReadonlySet<string>): ScopeResolution {
  const usable = (s: string) => allowed.includes(s) && (isBuiltinScope(s) || catalog.has(s));
  if (requested.length === 0) {
    const scopes = allowed.includes('api') ? ['api'] : allowed.filter(usable);
    return scopes.length > 0 ? { ok: true, scopes } : { ok: false, reason: 'This client is allowed no scope it could be given.' };
  }
  const refused = requested.find((s) => !usable(s));
  if (refused !== undefined) return { ok: false, reason: `The scope "${refused.slice(0, 64)}" is not one this client may request.` };
  return { ok: true, scopes: [...requested] };
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
