/**
 * REST API errors (INTERFACE.md, "Errors"): 401 with WWW-Authenticate, 403 `{"message"}` or
 * insufficient_scope, 404 `{"message"}`, 422 `{"message","errors":{field:[...]}}`. Handlers throw
 * ApiError; the API scope's error handler is the only place that writes error bodies.
 */
import type { FieldErrors } from '../domain/field-errors.js';
import { ServiceError, ThrottledError, UnavailableError, ValidationError } from '../services/errors.js';

export type { FieldErrors };

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly statusCode: number,
    message: string,
    readonly errors?: FieldErrors,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const notFound = (message = 'Not found.'): ApiError => new ApiError(404, message);
export const forbidden = (message = 'This action is unauthorized.'): ApiError => new ApiError(403, message);

export function validationFailed(errors: FieldErrors): ApiError {
  const first = Object.values(errors)[0]?.[0] ?? 'The given data was invalid.';
  const more = Object.values(errors).reduce((n, list) => n + list.length, 0) - 1;
  const message = more > 0 ? `${first} (and ${more} more error${more > 1 ? 's' : ''})` : first;
  return new ApiError(422, message, errors);
}

export function unauthenticated(error?: 'invalid_token' | 'invalid_request'): ApiError {
  const challenge = error
    ? `Bearer realm="keygate", error="${error}", error_description="${error === 'invalid_token' ? 'The access token is invalid, expired or revoked' : 'Malformed Authorization header'}"`
    : 'Bearer realm="keygate"';
  return new ApiError(401, 'Unauthenticated.', undefined, { 'WWW-Authenticate': challenge });
}

export function insufficientScope(scope: string): ApiError {
  return new ApiError(403, 'Insufficient scope.', undefined, {
    'WWW-Authenticate': `Bearer realm="keygate", error="insufficient_scope", scope="${scope}"`,
  });
}

/** The one mapping from a service's typed error to the API's documented answer. */
export function fromServiceError(err: ServiceError): ApiError {
  switch (err.kind) {
    case 'forbidden':
      return forbidden(err.message);
    case 'not_found':
      return notFound(err.message);
    case 'invalid':
      return validationFailed((err as ValidationError).errors);
    case 'throttled':
      return new ApiError(429, err.message, undefined, { 'Retry-After': String((err as ThrottledError).retryAfterSeconds) });
    case 'unavailable':
      return new ApiError(503, err.message, undefined, { 'Retry-After': String((err as UnavailableError).retryAfterSeconds) });
  }
}
