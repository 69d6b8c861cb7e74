/**
 * The authorization request (RFC 6749 §4.1.1, RFC 7636 §4.3) checked in the order the RFC needs:
 * client_id and redirect_uri first — if either is wrong the user sees an error page and is NEVER
 * redirected (§4.1.2.1) — then everything else, whose errors go back to the client's redirect_uri.
 */
import { clientRequiresPkce } from '../domain/client-settings.js';
import { PKCE_METHODS, isS256Challenge } from '../domain/pkce.js';
import { resolveRedirectUri } from '../domain/redirect-match.js';
import { hashSecret, issueSecret } from '../domain/secret.js';
import type { ClientStore, ClientWithSecretState } from '../store/client-store.js';
import type { CodeStore } from '../store/code-store.js';
import { resolveGrantScopes, type ScopeCatalog } from './scope-resolution.js';
import { CODE_TTL_SECONDS } from './grants/authorization-code.js';
import {
  InvalidRequestError,
  InvalidScopeError,
  UnauthorizedClientError,
  UnsupportedResponseTypeError,
  type OAuthError,
} from './errors.js';

export interface AuthorizationRequest {
  readonly client: ClientWithSecretState;
  /** Where the response goes. */
  readonly redirectUri: string;
  /** The redirect_uri as sent, or null when it was left out (the client has exactly one). */
  readonly redirectUriGiven: string | null;
  readonly scopes: string[];
  readonly state: string | null;
  readonly codeChallenge: string | null;
  readonly codeChallengeMethod: 'S256' | null;
}

export type AuthorizationCheck =
  /** Show an error page; do not redirect (unknown client or redirect_uri). */
  | { readonly kind: 'page-error'; readonly title: string; readonly message: string }
  /** Send the error to the client's redirect_uri. */
  | { readonly kind: 'redirect-error'; readonly redirectUri: string; readonly state: string | null; readonly error: OAuthError }
  | { readonly kind: 'valid'; readonly request: AuthorizationRequest };

/** The parameters this endpoint reads; the consent form carries exactly these. */
export const AUTHORIZE_PARAMETERS = ['response_type', 'client_id', 'redirect_uri', 'scope', 'state', 'code_challenge', 'code_challenge_method'] as const;

type RawParams = Readonly<Record<string, unknown>>;

/** A parameter sent more than once (RFC 6749 §3.1: "MUST NOT be included more than once"). */
const REPEATED = Symbol('repeated');

/** A single string value, or REPEATED: a symbol, so no value a client sends can be mistaken for it. */
function single(params: RawParams, name: string): string | undefined | typeof REPEATED {
  const value = params[name];
  if (Array.isArray(value)) return value.length === 1 && typeof value[0] === 'string' ? value[0] || undefined : REPEATED;
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** A parameter already known not to be repeated (checked once for all of them). */
function given(params: RawParams, name: string): string | undefined {
  const value = single(params, name);
  return value === REPEATED ? undefined : value;
}

const pageError = (title: string, message: string): AuthorizationCheck => ({ kind: 'page-error', title, message });

export async function checkAuthorizationRequest(params: RawParams, clients: Pick<ClientStore, 'findById'>, catalog: ScopeCatalog): Promise<AuthorizationCheck> {
  const clientId = single(params, 'client_id');
  if (clientId === undefined || clientId === REPEATED || clientId.length > 100) {
    return pageError('Unknown application', 'This sign-in link does not name a known application (client_id is missing or invalid).');
  }
  const client = await clients.findById(clientId);
  if (!client) return pageError('Unknown application', 'This sign-in link names an application Keygate does not know.');
  const presentedRedirect = single(params, 'redirect_uri');
  if (presentedRedirect === REPEATED) return pageError('Invalid redirect address', 'The redirect_uri parameter was sent more than once.');
  const redirectUri = resolveRedirectUri(client.redirect, presentedRedirect);
  if (redirectUri === null) {
    return pageError(
      'Invalid redirect address',
      `The address ${client.name} asked to return to is not one registered for it, so Keygate will not send you there.`,
    );
  }

  const state = given(params, 'state') ?? null;
  const fail = (error: OAuthError): AuthorizationCheck => ({ kind: 'redirect-error', redirectUri, state, error });
  for (const name of AUTHORIZE_PARAMETERS) {
    if (single(params, name) === REPEATED) return fail(new InvalidRequestError(`The ${name} parameter must not be repeated.`));
  }
  const responseType = given(params, 'response_type');
  if (responseType === undefined) return fail(new InvalidRequestError('The response_type parameter is required.'));
  if (responseType !== 'code') return fail(new UnsupportedResponseTypeError());
  if (!client.types.includes('authorization_code_grant')) {
    return fail(new UnauthorizedClientError('This client is not allowed to use the authorization code grant.'));
  }
  let scopes: string[];
  try {
    scopes = await resolveGrantScopes(given(params, 'scope'), client, catalog);
  } catch (err) {
    if (err instanceof InvalidScopeError) return fail(err);
    throw err;
  }

  // RFC 7636 §4.3: code_challenge_method "defaults to "plain" if not present"; plain is refused
  // (RFC 9700 §2.1.1), so a challenge needs method S256. §4.4.1: otherwise invalid_request.
  const challenge = given(params, 'code_challenge');
  const method = given(params, 'code_challenge_method');
  if (challenge === undefined) {
    if (method !== undefined) return fail(new InvalidRequestError('code_challenge_method was sent without code_challenge.'));
    // RFC 9700 §2.1.1: public clients MUST use PKCE; a confidential client may be told to (require_pkce).
    if (clientRequiresPkce(client)) return fail(new InvalidRequestError('PKCE is required: send code_challenge with code_challenge_method=S256.'));
  } else {
    if (method === undefined || !(PKCE_METHODS as readonly string[]).includes(method)) {
      return fail(new InvalidRequestError('Only code_challenge_method=S256 is supported (plain is refused).'));
    }
    if (!isS256Challenge(challenge)) return fail(new InvalidRequestError('The code_challenge is not a valid S256 challenge.'));
  }
  return {
    kind: 'valid',
    request: {
      client,
      redirectUri,
      redirectUriGiven: presentedRedirect ?? null,
      scopes,
      state,
      codeChallenge: challenge ?? null,
      codeChallengeMethod: challenge === undefined ? null : 'S256',
    },
  };
}

/** Characters a Location header carries as they are (printable ASCII). */
const PRINTABLE_ASCII = /^[\x21-\x7e]*$/;

/**
 * The client's redirect_uri with the response parameters appended (RFC 6749 §4.1.2, §4.1.2.1),
 * `iss` last on every response, success or error (RFC 9207 §2: it lets the client tell which
 * server answered, against mix-up attacks).
 *
 * §3.1.2: the redirection endpoint URI "MAY include an "application/x-www-form-urlencoded"
 * formatted … query component, which MUST be retained when adding additional query parameters".
 * So the registered string is kept byte for byte (a URL parser would rewrite `?t=a%20b` as
 * `?t=a+b` and `?flag` as `?flag=`) and the parameters are appended after `?` or `&`, each value
 * percent-encoded (encodeURIComponent: it reads back the same under form decoding). Registered
 * URIs hold no fragment (src/domain/client-rules.ts). A URI with characters a header cannot carry
 * (an internationalised host) goes through the URL parser first, which encodes them.
 */
export function authorizationRedirect(redirectUri: string, issuer: string, values: Readonly<Record<string, string | null>>): string {
  const base = PRINTABLE_ASCII.test(redirectUri) ? redirectUri : new URL(redirectUri).href;
  const params: string[] = [];
  for (const [name, value] of Object.entries({ ...values, iss: issuer })) if (value !== null) params.push(`${name}=${encodeURIComponent(value)}`);
  const query = base.indexOf('?');
  const separator = query === -1 ? '?' : query === base.length - 1 || base.endsWith('&') ? '' : '&';
  return base + separator + params.join('&');
}

export function errorRedirect(redirectUri: string, issuer: string, error: OAuthError, state: string | null): string {
  return authorizationRedirect(redirectUri, issuer, { error: error.code, error_description: error.description, state });
}

/** Issues a code for an approved request (raw value returned once; only its digest is stored). */
export async function issueAuthorizationCode(
  request: AuthorizationRequest,
  userId: string,
  codes: Pick<CodeStore, 'insert'>,
  nowMs: number,
): Promise<string> {
  const code = issueSecret('authorizationCode');
  await codes.insert({
    codeHash: hashSecret(code),
    clientId: request.client.id,
    userId,
    redirectUri: request.redirectUriGiven,
    scopes: request.scopes,
    codeChallenge: request.codeChallenge,
    codeChallengeMethod: request.codeChallengeMethod,
    createdAt: nowMs,
    expiresAt: nowMs + CODE_TTL_SECONDS * 1000,
  });
  return code;
}
