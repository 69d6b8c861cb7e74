/**
 * Brute-force throttling policy (ENGINEERING.md, "Security positions"): only failures count, per
 * (username, IP) pair and per IP. Past a free allowance each further failure doubles the wait,
 * up to a cap. There is no permanent lockout, so nobody can lock the administrator out.
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

/** How long to block after the `count`-th failure (0 while within the allowance). */
export function blockDelayMs(policy: ThrottlePolicy, count: number): number {
  if (count < policy.freeFailures) return 0;
  const exponent = Math.min(count - policy.freeFailures, 30);
  return Math.min(policy.baseDelayMs * 2 ** exponent, policy.maxDelayMs);
}

export function accountKey(scope: string, usernameKey: string, ip: string): string {
  return `${scope}:acct:${usernameKey}|${ip}`;
}

export function ipKey(scope: string, ip: string): string {
  return `${scope}:ip:${ip}`;
}
