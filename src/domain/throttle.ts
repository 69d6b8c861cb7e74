/**
 * Brute-force throttling policy (ENGINEERING.md, "Security positions"): only failures count, per
 * (username, IP) pair and per IP. Past a free allowance each further failure doubles the wait,
 * up to a cap. There is no permanent lockout, so nobody can lock the administrator out.
 *
 * Every attempt reserves its slot before the password hash is computed, so parallel guesses get
 * no more verifications than sequential ones: while the failures and the attempts still in flight
 * fill the free allowance, another attempt waits for them to settle; once the allowance is spent,
 * one attempt at a time may try after each delay. A success gives the slot back.
 */
export interface ThrottlePolicy {
  readonly freeFailures: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** A counter is forgotten this long after its last failure. */
  readonly windowMs: number;
}

export const ACCOUNT_POLICY: ThrottlePolicy = { freeFailures: 5, baseDelayMs: 1_000, maxDelayMs: 15 * 60_000, windowMs: 15 * 60_000 };
export const IP_POLICY: ThrottlePolicy = { freeFailures: 30, baseDelayMs: 1_000, maxDelayMs: 15 * 60_000, windowMs: 15 * 60_000 };

/**
 * How long a reservation holds its slot at most. An attempt settles within its wait for the IP's
 * slot (at most 10 s), the hash queue's wait and one verification (a few seconds); a process killed
 * in between keeps its slots this long, not for the whole window.
 */
export const RESERVATION_LEASE_MS = 30_000;

/** The longest an attempt waits for attempts in flight to settle before it is answered 503. */
export const RESERVATION_MAX_WAIT_MS = 10_000;

/** What a reservation answers. */
export type ReservationOutcome =
  /** The attempt may compute the hash; it must then settle (fail, forgive or release). */
  | { readonly kind: 'allowed' }
  /** Failures block this key for `retryAfterMs` more. */
  | { readonly kind: 'blocked'; readonly retryAfterMs: number }
  /** Attempts in flight hold every slot there is: wait for one to settle and ask again. */
  | { readonly kind: 'busy' };

/** How long to block after the `count`-th failure (0 while within the allowance). */
export function blockDelayMs(policy: ThrottlePolicy, count: number): number {
  if (count < policy.freeFailures) return 0;
  const exponent = Math.min(count - policy.freeFailures, 30);
  return Math.min(policy.baseDelayMs * 2 ** exponent, policy.maxDelayMs);
}

/**
 * The delay after each failure count until the cap, as [count, delay] pairs from the free
 * allowance on (a store can turn them into one expression); counts past the last pair get the cap.
 */
export function delaySteps(policy: ThrottlePolicy): Array<readonly [number, number]> {
  const steps: Array<readonly [number, number]> = [];
  for (let count = policy.freeFailures; ; count++) {
    const delay = blockDelayMs(policy, count);
    if (delay >= policy.maxDelayMs) return steps;
    steps.push([count, delay]);
  }
}

export function accountKey(scope: string, usernameKey: string, ip: string): string {
  return `${scope}:acct:${usernameKey}|${ip}`;
}

export function ipKey(scope: string, ip: string): string {
  return `${scope}:ip:${ip}`;
}

/** Seconds a client is asked to wait when the shared counters (Redis) cannot be reached. */
export const COUNTERS_RETRY_AFTER_SECONDS = 5;

/**
 * The failure counters cannot be reached (REDIS_URL down): nothing was checked, and no attempt
 * may be made without its slot, so the caller answers 503 with Retry-After instead of guessing.
 */
export class CountersUnavailableError extends Error {
  override readonly name = 'CountersUnavailableError';
  readonly retryAfterSeconds = COUNTERS_RETRY_AFTER_SECONDS;
  constructor(options: { cause?: unknown } = {}) {
    super('the throttle counters cannot be reached', options);
  }
}
