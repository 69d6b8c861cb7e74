/**
 * The one password check, for the login page and the password grant alike:
 * 1. reserve the attempt's slot on the throttle (per (username, IP) and per IP, atomically),
 *    before any hash is computed — a blocked attempt computes nothing;
 * 2. look the user up and verify the password in the fair, bounded hash queue, by the caller's
 *    address; an unknown user is verified against a dummy hash (same answer, same work);
 * 3. settle the slot: a failure is counted, a success forgives the pair and gives the IP's slot
 *    back, and an attempt the queue refused gives both back.
 * It answers the user or a typed refusal; each surface words it (401 page / invalid_grant, 429,
 * 503 with Retry-After).
 */
import { HashQueueFullError, verifyPassword } from '../domain/password.js';
import { CountersUnavailableError } from '../domain/throttle.js';
import { usernameKey, type UserStore, type UserWithHash } from '../store/user-store.js';
import type { Throttle } from './throttle.js';

export type PasswordCheck =
  | { readonly kind: 'authenticated'; readonly user: UserWithHash }
  | { readonly kind: 'failed' }
  | { readonly kind: 'throttled'; readonly retryAfterSeconds: number }
  /** Nothing was checked: the hash queue is full, or the counters cannot be reached. Answer 503. */
  | { readonly kind: 'unavailable'; readonly retryAfterSeconds: number; readonly reason: 'busy' | 'counters' };

export interface PasswordAuthDeps {
  readonly users: Pick<UserStore, 'findByUsername'>;
  readonly throttle: Throttle;
}

export interface PasswordAttempt {
  readonly username: string;
  readonly password: string;
  /** The caller's address (Fastify's request.ip): the throttle's and the hash queue's key. */
  readonly ip: string;
}

/**
 * The single place where "this cannot be checked now" is recognised: a full hash queue, or
 * failure counters that cannot be reached (Redis gone). Anything else is a real error.
 */
function unavailable(err: unknown): PasswordCheck | null {
  if (err instanceof HashQueueFullError) return { kind: 'unavailable', retryAfterSeconds: err.retryAfterSeconds, reason: 'busy' };
  if (err instanceof CountersUnavailableError) return { kind: 'unavailable', retryAfterSeconds: err.retryAfterSeconds, reason: 'counters' };
  return null;
}

export async function authenticatePassword(deps: PasswordAuthDeps, attempt: PasswordAttempt): Promise<PasswordCheck> {
  const key = usernameKey(attempt.username);
  try {
    const slot = await deps.throttle.reserve(key, attempt.ip);
    if (slot.kind === 'throttled') return slot;
    if (slot.kind === 'busy') return { kind: 'unavailable', retryAfterSeconds: slot.retryAfterSeconds, reason: 'busy' };
    let ok: boolean;
    let user: UserWithHash | null = null;
    try {
      user = key === '' ? null : await deps.users.findByUsername(attempt.username);
      ok = await verifyPassword(user?.passwordHash, attempt.password, attempt.ip);
    } catch (err) {
      await slot.abandoned();
      throw err;
    }
    if (!user || !ok) {
      await slot.failed();
      return { kind: 'failed' };
    }
    await slot.succeeded();
    return { kind: 'authenticated', user };
  } catch (err) {
    const refusal = unavailable(err);
    if (refusal === null) throw err;
    return refusal;
  }
}
