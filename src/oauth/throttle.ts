/**
 * Brute-force throttle shared by the login form and the password grant: before checking a
 * password, ask `retryAfterSeconds`; report each failure and success. See src/domain/throttle.ts.
 */
import { ACCOUNT_POLICY, IP_POLICY, accountKey, ipKey } from '../domain/throttle.js';
import type { FailureCounters } from '../store/throttle-store.js';

export interface Throttle {
  /** Seconds to wait before another attempt for this username from this IP (0: go ahead). */
  retryAfterSeconds(usernameKey: string, ip: string): Promise<number>;
  failed(usernameKey: string, ip: string): Promise<void>;
  succeeded(usernameKey: string, ip: string): Promise<void>;
}

export function createThrottle(counters: FailureCounters, scope: 'login' | 'password', now: () => number = Date.now): Throttle {
  return {
    async retryAfterSeconds(usernameKey, ip) {
      const t = now();
      const [account, address] = await Promise.all([
        counters.blockedForMs(accountKey(scope, usernameKey, ip), t),
        counters.blockedForMs(ipKey(scope, ip), t),
      ]);
      const ms = Math.max(account, address);
      return ms > 0 ? Math.ceil(ms / 1000) : 0;
    },
    async failed(usernameKey, ip) {
      const t = now();
      await Promise.all([counters.fail(accountKey(scope, usernameKey, ip), ACCOUNT_POLICY, t), counters.fail(ipKey(scope, ip), IP_POLICY, t)]);
    },
    async succeeded(usernameKey, ip) {
      await counters.reset(accountKey(scope, usernameKey, ip));
    },
  };
}
