/**
 * The RFC 6749 §5.2 errors, defined once. Throw sites pick the class and a safe public
 * description; the status comes from the code (one table), and `toTokenErrorResponse` is the one
 * mapper from an error to the wire. `cause` is for logs only and never sent.
 */

export const OAUTH_ERROR_CODES = [
  'invalid_request',
  'invalid_client',
  'invalid_grant',
  'unauthorized_client',
  'unsupported_grant_type',
  'invalid_scope',
  'unsupported_response_type',
  'access_denied',
  'slow_down',
  'authorization_pending',
  'expired_token',
  'server_error',
  'temporarily_unavailable',
] as const;
export type OAuthErrorCode = (typeof OAUTH_ERROR_CODES)[number];

/**
 * RFC 6749 §5.2: 400 for everything but invalid_client (401); throttling is 429 (RFC 6585);
 * temporarily_unavailable (RFC 6749 §4.1.2.1's code, used here at the token endpoint too) is 503.
 */
const STATUS: Readonly<Record<OAuthErrorCode, number>> = {
  invalid_request: 400,
  invalid_client: 401,
  invalid_grant: 400,
  unauthorized_client: 400,
  unsupported_grant_type: 400,
  invalid_scope: 400,
  unsupported_response_type: 400,
  access_denied: 400,
  slow_down: 429,
  authorization_pending: 400,
  expired_token: 400,
  server_error: 500,
  temporarily_unavailable: 503,
};

export class OAuthError extends Error {
  override readonly name: string = 'OAuthError';
  readonly status: number;
  constructor(
    readonly code: OAuthErrorCode,
    readonly description: string,
    options: { cause?: unknown; status?: number } = {},
  ) {
    super(description, options);
    this.status = options.status ?? STATUS[code];
  }
}

export class InvalidRequestError extends OAuthError {
  override readonly name = 'InvalidRequestError';
  constructor(description = 'The request is missing a parameter or is malformed.', options: { cause?: unknown } = {}) {
    super('invalid_request', description, options);
  }
}

export class InvalidClientError extends OAuthError {
  override readonly name = 'InvalidClientError';
  /** RFC 6749 §5.2: when the client used Basic, the 401 carries a matching WWW-Authenticate. */
  constructor(
    readonly usedBasic: boolean,
    description = 'Client authentication failed.',
    options: { cause?: unknown } = {},
  ) {
    super('invalid_client', description, options);
  }
}

export class InvalidGrantError extends OAuthError {
  override readonly name = 'InvalidGrantError';
  constructor(description = 'The grant is invalid, expired, revoked or was issued to another client.', options: { cause?: unknown } = {}) {
    super('invalid_grant', description, options);
  }
}

export class UnauthorizedClientError extends OAuthError {
  override readonly name = 'UnauthorizedClientError';
  constructor(description = 'This client is not allowed to use this grant type.', options: { cause?: unknown } = {}) {
    super('unauthorized_client', description, options);
  }
}

export class UnsupportedGrantTypeError extends OAuthError {
  override readonly name = 'UnsupportedGrantTypeError';
  constructor(description = 'The grant type is not supported.', options: { cause?: unknown } = {}) {
    super('unsupported_grant_type', description, options);
  }
}

export class InvalidScopeError extends OAuthError {
  override readonly name = 'InvalidScopeError';
  constructor(description = 'The requested scope is invalid, unknown or exceeds what was granted.', options: { cause?: unknown } = {}) {
    super('invalid_scope', description, options);
  }
}

export class UnsupportedResponseTypeError extends OAuthError {
  override readonly name = 'UnsupportedResponseTypeError';
  constructor(description = 'Only response_type=code is supported.') {
    super('unsupported_response_type', description);
  }
}

export class AccessDeniedError extends OAuthError {
  override readonly name = 'AccessDeniedError';
  constructor(description = 'The user denied the request.') {
    super('access_denied', description);
  }
}

/** Too many failed password-grant attempts: 429 with Retry-After, body still RFC-shaped. */
export class SlowDownError extends OAuthError {
  override readonly name = 'SlowDownError';
  constructor(readonly retryAfterSeconds: number) {
    super('slow_down', `Too many failed attempts. Try again in ${retryAfterSeconds} second${retryAfterSeconds === 1 ? '' : 's'}.`);
  }
}

/** RFC 8628 §3.5: the user has not answered yet; the device keeps polling. */
export class AuthorizationPendingError extends OAuthError {
  override readonly name = 'AuthorizationPendingError';
  constructor() {
    super('authorization_pending', 'The user has not yet approved or denied the request.');
  }
}

/**
 * RFC 8628 §3.5 slow_down: "polling should continue, but the interval MUST be increased by 5
 * seconds". An error response of RFC 6749 §5.2, so 400 (the password throttle's slow_down is 429).
 */
export class PollTooFastError extends OAuthError {
  override readonly name = 'PollTooFastError';
  constructor(readonly intervalSeconds: number) {
    super('slow_down', `Polling too fast: wait at least ${intervalSeconds} seconds between requests.`, { status: 400 });
  }
}

/** RFC 8628 §3.5 expired_token: the device_code has expired; the device may start again. */
export class ExpiredTokenError extends OAuthError {
  override readonly name = 'ExpiredTokenError';
  constructor() {
    super('expired_token', 'The device code has expired. Start the sign-in again.');
  }
}

/** A service the grant needs is down (the shared throttle counters): 503 with Retry-After. */
export class TemporarilyUnavailableError extends OAuthError {
  override readonly name = 'TemporarilyUnavailableError';
  constructor(
    readonly retryAfterSeconds: number,
    options: { cause?: unknown } = {},
  ) {
    super('temporarily_unavailable', 'The server cannot check this request right now. Try again shortly.', options);
  }
}

export interface TokenErrorResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: { readonly error: string; readonly error_description?: string };
}

/** The one mapper: any thrown value → status, headers and RFC 6749 §5.2 body. */
export function toTokenErrorResponse(err: unknown): TokenErrorResponse {
  if (err instanceof OAuthError) {
    const headers: Record<string, string> = {};
    if (err instanceof InvalidClientError && err.usedBasic) headers['WWW-Authenticate'] = 'Basic realm="keygate", charset="UTF-8"';
    if (err instanceof SlowDownError || err instanceof TemporarilyUnavailableError) headers['Retry-After'] = String(err.retryAfterSeconds);
    return { status: err.status, headers, body: { error: err.code, error_description: err.description } };
  }
  return { status: 500, headers: {}, body: { error: 'server_error', error_description: 'The server could not complete the request.' } };
}
