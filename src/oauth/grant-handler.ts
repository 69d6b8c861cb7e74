/**
 * The shape every grant shares (one handler per grant type, STYLE.md §2) and the parameter
 * helpers that turn untrusted request parameters into typed values or `InvalidRequestError`.
 */
import type { Config } from '../config.js';
import type { TokenOrigin } from '../domain/client.js';
import type { Throttle } from './throttle.js';
import type { ClientWithSecretState } from '../store/client-store.js';
import type { CodeStore } from '../store/code-store.js';
import type { DeviceCodeStore } from '../store/device-code-store.js';
import type { TokenStore } from '../store/token-store.js';
import type { UserStore } from '../store/user-store.js';
import { InvalidRequestError } from './errors.js';
import type { ScopeCatalog } from './scope-resolution.js';

export const GRANT_TYPES = ['authorization_code', 'password', 'refresh_token', 'client_credentials', 'urn:ietf:params:oauth:grant-type:device_code'] as const;
export type GrantType = (typeof GRANT_TYPES)[number];

export type TokenEndpointAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none';

export interface AuthenticatedClient {
  readonly client: ClientWithSecretState;
  readonly method: TokenEndpointAuthMethod;
}

/** The token request's parameters (each present at most once, never empty) and the caller's IP. */
export interface TokenRequest {
  readonly params: ReadonlyMap<string, string>;
  readonly ip: string;
}

/** RFC 6749 §5.1. `expires_in` is left out when the token never expires. */
export interface TokenResponse {
  readonly access_token: string;
  readonly token_type: 'Bearer';
  readonly expires_in?: number;
  readonly scope: string;
  readonly refresh_token?: string;
}

export interface GrantDeps {
  readonly config: Pick<Config, 'accessTokenTtlSeconds' | 'refreshTokenTtlSeconds' | 'refreshGraceSeconds'>;
  readonly tokens: Pick<TokenStore, 'insertTokens' | 'findByHash' | 'rotateRefreshToken' | 'revokeGrant'>;
  readonly codes: Pick<CodeStore, 'redeem'>;
  readonly deviceCodes: Pick<DeviceCodeStore, 'findByDeviceCodeHash' | 'recordPoll' | 'redeem'>;
  readonly users: Pick<UserStore, 'findByUsername'>;
  readonly passwordThrottle: Throttle;
  /** The custom scopes that exist (src/oauth/scope-resolution.ts). */
  readonly scopes: ScopeCatalog;
  readonly now: () => number;
}

export interface GrantHandler {
  readonly grantType: GrantType;
  /** The parameters this grant reads; anything else is dropped before `handle`. */
  readonly parameters: ReadonlySet<string>;
  /** How tokens from this grant are marked (refresh keeps the origin of the token it replaces). */
  readonly origin: TokenOrigin | null;
  handle(req: TokenRequest, client: AuthenticatedClient, deps: GrantDeps): Promise<TokenResponse>;
}

/** A required parameter, or `InvalidRequestError` naming it (RFC 6749 §5.2 "missing a required parameter"). */
export function requireParam(params: ReadonlyMap<string, string>, name: string): string {
  const value = params.get(name);
  if (value === undefined) throw new InvalidRequestError(`The ${name} parameter is required.`);
  return value;
}

export function optionalParam(params: ReadonlyMap<string, string>, name: string): string | undefined {
  return params.get(name);
}

/**
 * Turns a parsed request body into parameters. RFC 6749 §3.2: "Request and response parameters
 * MUST NOT be included more than once"; §3.1: "Parameters sent without a value MUST be treated
 * as if they were omitted". A JSON body may only hold strings.
 */
export function parseParams(body: unknown): Map<string, string> {
  const params = new Map<string, string>();
  if (body === undefined || body === null) return params;
  if (typeof body !== 'object' || Array.isArray(body)) throw new InvalidRequestError('The request body must be form-encoded or a JSON object.');
  for (const [name, value] of Object.entries(body as Record<string, unknown>)) {
    if (Array.isArray(value)) throw new InvalidRequestError(`The ${name} parameter must not be repeated.`);
    if (value === undefined || value === null || value === '') continue;
    if (typeof value !== 'string') throw new InvalidRequestError(`The ${name} parameter must be a string.`);
    if (value.length > 4096) throw new InvalidRequestError(`The ${name} parameter is too long.`);
    params.set(name, value);
  }
  return params;
}
