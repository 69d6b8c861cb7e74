/**
 * The client settings of this round, validated like the rest of a client request
 * (src/domain/client-rules.ts): the scopes it may ask for, whether it must use PKCE, and the
 * browser origins CORS allows it.
 */
import { isScopeToken, SCOPE_NAME_MAX_LENGTH } from './scope.js';

export const ORIGINS_MAX_COUNT = 20;
export const SCOPES_MAX_COUNT = 100;

export const SETTINGS_MESSAGES = {
  scopesInvalid: 'The Scopes must be a list of scope names.',
  scopesEmpty: 'Choose at least one scope the client may ask for.',
  scopeName: (name: string) =>
    `The scope "${name.slice(0, 80)}" is not a valid scope name (up to ${SCOPE_NAME_MAX_LENGTH} printable characters, no spaces, quotes or backslashes).`,
  scopeUnknown: (name: string) => `The scope "${name.slice(0, 80)}" does not exist: create it on the Scopes page first.`,
  scopesTooMany: `A client may have at most ${SCOPES_MAX_COUNT} scopes.`,
  originsInvalid: 'The Allowed origins must be a list of origins such as https://app.example.com.',
  origin: (origin: string) => `"${origin.slice(0, 200)}" is not an origin: give the scheme, host and port only, such as https://app.example.com.`,
  originsTooMany: `A client may have at most ${ORIGINS_MAX_COUNT} allowed origins.`,
} as const;

/** A list given as an array (each item as it is), or as one string separated by commas, spaces or newlines (console, CLI). */
function splitList(value: unknown): string[] | null {
  if (typeof value === 'string') return value.split(/[\s,]+/).filter((v) => v.length > 0);
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) return null;
  return (value).map((v) => v.trim()).filter((v) => v.length > 0);
}

/** The scopes of a request: names checked for syntax here; the catalog check is the service's. */
export function parseClientScopes(value: unknown): { scopes: string[] } | { error: string } {
  const list = splitList(value);
  if (list === null) return { error: SETTINGS_MESSAGES.scopesInvalid };
  if (list.length === 0) return { error: SETTINGS_MESSAGES.scopesEmpty };
  if (list.length > SCOPES_MAX_COUNT) return { error: SETTINGS_MESSAGES.scopesTooMany };
  const bad = list.find((s) => !isScopeToken(s));
  if (bad !== undefined) return { error: SETTINGS_MESSAGES.scopeName(bad) };
  return { scopes: [...new Set(list)] };
}

/**
 * A browser origin (RFC 6454): `scheme://host[:port]`, http or https, nothing else. Returns the
 * normalised origin (what a browser sends in `Origin`), or null. `null` itself is never an origin
 * a client may be allowed: sandboxed pages and file URLs all send it.
 */
export function parseOrigin(value: string): string | null {
  if (value === 'null' || value.length > 300 || /[\s\\]/.test(value)) return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  if (url.username || url.password || url.search || url.hash || (url.pathname !== '/' && url.pathname !== '')) return null;
  if (value.replace(/\/$/, '').toLowerCase() !== url.origin.toLowerCase()) return null;
  return url.origin;
}

export function parseAllowedOrigins(value: unknown): { origins: string[] } | { error: string } {
  const list = splitList(value);
  if (list === null) return { error: SETTINGS_MESSAGES.originsInvalid };
  if (list.length > ORIGINS_MAX_COUNT) return { error: SETTINGS_MESSAGES.originsTooMany };
  const origins: string[] = [];
  for (const item of list) {
    const origin = parseOrigin(item);
    if (origin === null) return { error: SETTINGS_MESSAGES.origin(item) };
    if (!origins.includes(origin)) origins.push(origin);
  }
  return { origins };
}

/**
 * Whether the authorization code grant needs PKCE from this client: always for a public client
 * (RFC 9700 §2.1.1: "MUST"), and for a confidential one when its `require_pkce` is set.
 */
export function clientRequiresPkce(client: { readonly confidential: boolean; readonly requirePkce: boolean }): boolean {
  return !client.confidential || client.requirePkce;
}
