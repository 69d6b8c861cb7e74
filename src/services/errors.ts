/**
 * The typed errors every service throws (never HTTP errors). Each surface maps them to its own
 * format in one place: the REST API to 403/404/422/429/503 (src/api/errors.ts), the console to a
 * page with inline errors, the CLI to one line and an exit code.
 */
import type { FieldErrors } from '../domain/field-errors.js';

export type { FieldErrors };

export abstract class ServiceError extends Error {
  abstract readonly kind: 'forbidden' | 'not_found' | 'invalid' | 'throttled' | 'unavailable';
}

/** The actor may not do this (policy.ts decided). */
export class ForbiddenError extends ServiceError {
  override readonly name = 'ForbiddenError';
  readonly kind = 'forbidden';
  constructor(message = 'This action is unauthorized.') {
    super(message);
  }
}

export type Entity = 'client' | 'user' | 'token' | 'scope' | 'authorization';

const NOT_FOUND: Readonly<Record<Entity, string>> = {
  client: 'Auth Client not found.',
  user: 'User not found.',
  token: 'Token not found.',
  scope: 'Scope not found.',
  authorization: 'Authorization not found.',
};

/** The object does not exist (or the actor may not know it does). */
export class NotFoundError extends ServiceError {
  override readonly name = 'NotFoundError';
  readonly kind = 'not_found';
  constructor(
    readonly entity: Entity,
    message: string = NOT_FOUND[entity],
  ) {
    super(message);
  }
}

/** The request is not valid: messages per field, as users see them. */
export class ValidationError extends ServiceError {
  override readonly name = 'ValidationError';
  readonly kind = 'invalid';
  constructor(readonly errors: FieldErrors) {
    super(Object.values(errors)[0]?.[0] ?? 'The given data was invalid.');
  }

  /** Every message, prefixed by its field when there are several fields (for the CLI). */
  describe(): string {
    const fields = Object.entries(this.errors);
    if (fields.length === 1) return fields[0]![1].join(' ');
    return fields.map(([field, list]) => `${field}: ${list.join(' ')}`).join('; ');
  }
}

/** Too many failed attempts: try again later. */
export class ThrottledError extends ServiceError {
  override readonly name = 'ThrottledError';
  readonly kind = 'throttled';
  constructor(readonly retryAfterSeconds: number) {
    super(`Too many failed attempts. Try again in ${retryAfterSeconds} second${retryAfterSeconds === 1 ? '' : 's'}.`);
  }
}

/** A dependency or a bounded queue cannot take this now (503 + Retry-After). */
export class UnavailableError extends ServiceError {
  override readonly name = 'UnavailableError';
  readonly kind = 'unavailable';
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

/** For `.catch()`: a NotFoundError becomes null, anything else is rethrown. */
export function nullIfNotFound(err: unknown): null {
  if (err instanceof NotFoundError) return null;
  throw err;
}
