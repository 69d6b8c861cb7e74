/**
 * Validation of an Auth Client request (API body, console form, CLI flags) into a clean draft, or
 * field errors with the messages users see. Pure: uniqueness of the name is the store's job (a
 * unique index), so "The Name has already been taken." comes from there.
 *
 * Redirect rules (RFC 6749 §3.1.2, RFC 8252 §7.3, RFC 9700 §4.1): absolute, `https`, or `http`
 * only for a loopback host; no fragment; matched exactly later, so we store what was given.
 */
import { CLIENT_TYPES, isClientType, PUBLIC_CLIENT_TYPES, type ClientType } from './client.js';
import { parseAllowedOrigins, parseClientScopes } from './client-settings.js';
import { isPermission, type Permission } from './permission.js';

/** The longest an old client secret may keep working after a rotation, in seconds (a day). */
export const MAX_GRACE_PERIOD_SECONDS = 86_400;

export type FieldErrors = Record<string, string[]>;

/** A user's value quoted in a message, cut short so one bad line cannot flood the page. */
function shortened(value: string, max = 80): string {
  return value.length > max ? `${value.slice(0, max - 1)}…` : value;
}

export const NAME_MAX_LENGTH = 255;
export const REDIRECT_MAX_LENGTH = 2000;
export const REDIRECT_MAX_COUNT = 20;
export const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['localhost', '127.0.0.1', '[::1]']);

export const CLIENT_MESSAGES = {
  nameRequired: 'The Name field is required.',
  nameString: 'The Name field must be a string.',
  nameTooLong: `The Name may not be greater than ${NAME_MAX_LENGTH} characters.`,
  nameTaken: 'The Name has already been taken.',
  typesRequired: 'Choose at least one grant type.',
  typesInvalid: `The Grant types must be among ${CLIENT_TYPES.join(', ')}.`,
  redirectRequired: 'The Redirect field is required.',
  redirectInvalid: 'The Redirect field must be a valid URL.',
  redirectScheme: 'The Redirect URL must use https (http is allowed only for localhost, 127.0.0.1 and [::1]).',
  redirectFragment: 'The Redirect URL must not contain a fragment (#).',
  redirectTooMany: `The Redirect field may not have more than ${REDIRECT_MAX_COUNT} URLs.`,
  /** One of several redirect URLs is wrong: which one (its position, as on the console's lines), and why. */
  redirectLine: (position: number, url: string, reason: string) => `Redirect URL ${position} (${shortened(url)}) ${reason}.`,
  publicClientTypes: 'A public client (no secret) may only use the Authorization Code Grant and the Device Authorization Grant.',
  booleanField: (label: string) => `The ${label} field must be true or false.`,
  permissionsInvalid: 'The selected Permissions are invalid.',
  confidentialFixed: 'The Confidential field cannot be changed after the client is created.',
} as const;

/** A valid client request, in the store's terms. */
export interface ClientDraft {
  readonly name: string;
  readonly types: ClientType[];
  readonly redirect: string[];
  readonly confidential: boolean;
  /** Undefined: not given (keep the current value, or the default false). */
  readonly trusted?: boolean;
  readonly introspectAll?: boolean;
  readonly permissions?: Permission[];
  readonly scopes?: string[];
  readonly requirePkce?: boolean;
  readonly allowedOrigins?: string[];
}

/** The request as it arrives (snake_case on the wire). Anything may be missing or of the wrong type. */
export interface ClientRequest {
  readonly name?: unknown;
  readonly types?: unknown;
  readonly redirect?: unknown;
  readonly confidential?: unknown;
  readonly trusted?: unknown;
  readonly introspect_all?: unknown;
  readonly permissions?: unknown;
  readonly scopes?: unknown;
  readonly require_pkce?: unknown;
  readonly allowed_origins?: unknown;
}

export type ClientValidation = { ok: true; value: ClientDraft } | { ok: false; errors: FieldErrors };

/** Splits a comma- or newline-separated list of URLs (API string form, console textarea). */
export function splitRedirects(value: unknown): string[] | null {
  if (value === undefined || value === null) return [];
  const items = typeof value === 'string' ? [value] : Array.isArray(value) ? value : null;
  if (items === null || !items.every((v) => typeof v === 'string')) return null;
  return (items)
    .flatMap((v) => v.split(/[\r\n,]+/))
    .map((v) => v.trim())
    .filter((v) => v.length > 0);
}

/** Each single-URL message, as the reason given when several URLs are listed. */
const REDIRECT_REASONS: Readonly<Record<string, string>> = {
  [CLIENT_MESSAGES.redirectInvalid]: 'is not a valid absolute URL',
  [CLIENT_MESSAGES.redirectScheme]: 'must use https (http is allowed only for localhost, 127.0.0.1 and [::1])',
  [CLIENT_MESSAGES.redirectFragment]: 'must not contain a fragment (#)',
};

/** The first problem with one redirect URL, or null when it is acceptable. */
export function redirectProblem(value: string): string | null {
  // A backslash reads as a slash to browsers (WHATWG URL) and never matches at /oauth/authorize
  // (redirect-match.ts refuses it): refuse it when it is registered, not at the first login.
  if (value.length > REDIRECT_MAX_LENGTH || /\s/.test(value) || value.includes('\\')) return CLIENT_MESSAGES.redirectInvalid;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return CLIENT_MESSAGES.redirectInvalid;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return CLIENT_MESSAGES.redirectScheme;
  if (url.hostname === '' || url.username !== '' || url.password !== '') return CLIENT_MESSAGES.redirectInvalid;
  if (url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname)) return CLIENT_MESSAGES.redirectScheme;
  if (value.includes('#')) return CLIENT_MESSAGES.redirectFragment;
  return null;
}

function optionalBoolean(value: unknown, field: string, label: string, errors: FieldErrors): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'boolean') return value;
  (errors[field] ??= []).push(CLIENT_MESSAGES.booleanField(label));
  return undefined;
}

/**
 * Validates a create or update request. `confidential` defaults to true; on update pass the
 * client's current value as `fixedConfidential` (it cannot change, since a secret goes with it).
 */
export function validateClientRequest(input: ClientRequest, options: { fixedConfidential?: boolean } = {}): ClientValidation {
  const errors: FieldErrors = {};
  const add = (field: string, message: string) => {
    const list = (errors[field] ??= []);
    if (!list.includes(message)) list.push(message);
  };

  let name = '';
  if (input.name === undefined || input.name === null) add('name', CLIENT_MESSAGES.nameRequired);
  else if (typeof input.name !== 'string') add('name', CLIENT_MESSAGES.nameString);
  else {
    name = input.name.trim();
    if (name.length === 0) add('name', CLIENT_MESSAGES.nameRequired);
    else if (name.length > NAME_MAX_LENGTH) add('name', CLIENT_MESSAGES.nameTooLong);
  }

  let types: ClientType[] = [];
  if (!Array.isArray(input.types) || input.types.length === 0) add('types', CLIENT_MESSAGES.typesRequired);
  else if (!input.types.every(isClientType)) add('types', CLIENT_MESSAGES.typesInvalid);
  // Keep the catalogue order, without duplicates, whatever order they came in.
  else types = CLIENT_TYPES.filter((t) => (input.types as string[]).includes(t));

  let confidential = optionalBoolean(input.confidential, 'confidential', 'Confidential', errors) ?? options.fixedConfidential ?? true;
  if (options.fixedConfidential !== undefined && confidential !== options.fixedConfidential) {
    add('confidential', CLIENT_MESSAGES.confidentialFixed);
    confidential = options.fixedConfidential;
  }
  if (!confidential && types.some((t) => !PUBLIC_CLIENT_TYPES.includes(t))) add('confidential', CLIENT_MESSAGES.publicClientTypes);

  let redirect: string[] = [];
  const wantsRedirect = types.includes('authorization_code_grant');
  const given = splitRedirects(input.redirect);
  if (given === null) add('redirect', CLIENT_MESSAGES.redirectInvalid);
  else if (wantsRedirect) {
    if (given.length === 0) add('redirect', CLIENT_MESSAGES.redirectRequired);
    else if (given.length > REDIRECT_MAX_COUNT) add('redirect', CLIENT_MESSAGES.redirectTooMany);
    // With several URLs each message says which one is wrong (the console shows one per line).
    given.forEach((url, i) => {
      const problem = redirectProblem(url);
      if (problem) add('redirect', given.length === 1 ? problem : CLIENT_MESSAGES.redirectLine(i + 1, url, REDIRECT_REASONS[problem] ?? problem));
    });
    redirect = [...new Set(given)];
  }
  // Without the authorization code grant a redirect has no use, so none is kept.

  const trusted = optionalBoolean(input.trusted, 'trusted', 'Trusted', errors);
  const introspectAll = optionalBoolean(input.introspect_all, 'introspect_all', 'Introspect all', errors);
  let permissions: Permission[] | undefined;
  if (input.permissions !== undefined && input.permissions !== null) {
    if (!Array.isArray(input.permissions) || !input.permissions.every(isPermission)) add('permissions', CLIENT_MESSAGES.permissionsInvalid);
    else permissions = [...new Set(input.permissions)];
  }

  let scopes: string[] | undefined;
  if (input.scopes !== undefined && input.scopes !== null) {
    const parsed = parseClientScopes(input.scopes);
    if ('error' in parsed) add('scopes', parsed.error);
    else scopes = parsed.scopes;
  }
  const requirePkce = optionalBoolean(input.require_pkce, 'require_pkce', 'Require PKCE', errors);
  let allowedOrigins: string[] | undefined;
  if (input.allowed_origins !== undefined && input.allowed_origins !== null) {
    const parsed = parseAllowedOrigins(input.allowed_origins);
    if ('error' in parsed) add('allowed_origins', parsed.error);
    else allowedOrigins = parsed.origins;
  }

  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    value: {
      name,
      types,
      redirect,
      confidential,
      ...(trusted !== undefined ? { trusted } : {}),
      ...(introspectAll !== undefined ? { introspectAll } : {}),
      ...(permissions !== undefined ? { permissions } : {}),
      ...(scopes !== undefined ? { scopes } : {}),
      ...(requirePkce !== undefined ? { requirePkce } : {}),
      ...(allowedOrigins !== undefined ? { allowedOrigins } : {}),
    },
  };
}

/** What changedClientFields compares. */
export interface ClientSettings {
  readonly name: string;
  readonly types: readonly string[];
  readonly redirect: readonly string[];
  readonly trusted: boolean;
  readonly introspectAll: boolean;
  readonly permissions: readonly string[];
  readonly scopes: readonly string[];
  readonly requirePkce: boolean;
  readonly allowedOrigins: readonly string[];
}

/** The fields that differ between two versions of a client (names as on the wire). */
export function changedClientFields(before: ClientSettings, after: ClientSettings): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((v, i) => v === b[i]);
  if (before.name !== after.name) out.name = after.name;
  if (!sameList(before.types, after.types)) out.types = after.types;
  if (!sameList(before.redirect, after.redirect)) out.redirect = after.redirect;
  if (before.trusted !== after.trusted) out.trusted = after.trusted;
  if (before.introspectAll !== after.introspectAll) out.introspect_all = after.introspectAll;
  if (!sameList([...before.permissions].sort(), [...after.permissions].sort())) out.permissions = after.permissions;
  if (!sameList([...before.scopes].sort(), [...after.scopes].sort())) out.scopes = after.scopes;
  if (before.requirePkce !== after.requirePkce) out.require_pkce = after.requirePkce;
  if (!sameList(before.allowedOrigins, after.allowedOrigins)) out.allowed_origins = after.allowedOrigins;
  return out;
}
