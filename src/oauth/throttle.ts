/**
 * Brute-force throttle shared by the login form and the password grant (src/domain/throttle.ts).
 * Before a password hash is computed, `reserve` takes the attempt's slot on the (username, IP)
 * counter and on the IP counter, each in one atomic step; the attempt then settles: `failed`
 * (one more failure on both), `succeeded` (the pair's failures forgiven, the IP's slot given back)
 * or `abandoned` (no hash was computed: both slots given back).
 *
 * While attempts in flight hold every slot, another attempt waits for one of them to settle: this
 * process wakes it when its own attempts settle, and it asks again every so often for attempts on
 * other nodes. So parallel guesses are served as if they came one after another, and successful
 * traffic (however parallel) is never refused, only ordered.
 */
import { ACCOUNT_POLICY, IP_POLICY, RESERVATION_MAX_WAIT_MS, accountKey, ipKey, type ReservationOutcome, type ThrottlePolicy } from '../domain/throttle.js';
import type { FailureCounters } from '../store/throttle-store.js';

export interface ReservedAttempt {
  readonly kind: 'reserved';
  failed(): Promise<void>;
  succeeded(): Promise<void>;
  abandoned(): Promise<void>;
}

export type ThrottleAnswer =
  | ReservedAttempt
  | { readonly kind: 'throttled'; readonly retryAfterSeconds: number }
  /** Waited too long for attempts in flight to settle (a slow queue or a dead node's reservations). */
  | { readonly kind: 'busy'; readonly retryAfterSeconds: number };

export interface Throttle {
  /** Reserves a slot for one attempt of this username from this IP, waiting while others hold them. */
  reserve(usernameKey: string, ip: string): Promise<ThrottleAnswer>;
}

export interface ThrottleOptions {
  /** The longest an attempt waits for others to settle before it gives up (busy). */
  readonly maxWaitMs?: number;
}

/**
 * How often a waiting attempt asks again. When this process holds some of the slots it waits for,
 * their settling wakes it, so it asks again only now and then; otherwise (the slots are held on
 * other nodes) it asks after 25 ms, doubling up to 400 ms.
 */
const FIRST_POLL_MS = 25;
const LAST_POLL_MS = 400;
const LOCAL_POLL_MS = 1_000;

export function createThrottle(counters: FailureCounters, scope: 'login' | 'password' | 'device', now: () => number = Date.now, options: ThrottleOptions = {}): Throttle {
  const maxWaitMs = options.maxWaitMs ?? RESERVATION_MAX_WAIT_MS;
  /** Attempts of this process waiting for a slot of a counter, by key. */
  const waiters = new Map<string, Array<() => void>>();
  /** Slots this process holds, by key (its settles wake the waiters). */
  const held = new Map<string, number>();
  /** Reservations of this process on their way to the store, by key: each may take a free slot. */
  const reserving = new Map<string, number>();

  const add = (counts: Map<string, number>, key: string, delta: number) => {
    const n = (counts.get(key) ?? 0) + delta;
    if (n > 0) counts.set(key, n);
    else counts.delete(key);
  };
  const hold = (key: string, delta: number) => add(held, key, delta);

  const wait = (key: string, ms: number): Promise<void> =>
    new Promise<void>((resolve) => {
      const list = waiters.get(key) ?? [];
      waiters.set(key, list);
      const done = () => {
        clearTimeout(timer);
        const i = list.indexOf(done);
        if (i >= 0) list.splice(i, 1);
        if (list.length === 0 && waiters.get(key) === list) waiters.delete(key);
        resolve();
      };
      const timer = setTimeout(done, ms);
      list.push(done);
    });

  /** Wakes the first `count` waiters of `key` (all of them with Infinity). */
  const wake = (key: string, count: number) => {
    const list = waiters.get(key);
    if (list) for (const waiter of list.slice(0, count)) waiter();
  };

  /**
   * Settles one of this process's slots of `key`. A release frees a slot: one waiter may take it.
   * Forgiving frees the failures' slots too: as many waiters may try as there can be free slots
   * (the policy's allowance less the slots this process still holds and less its reservations on
   * their way to the store, which will take some: on PostgreSQL they overlap, and a burst of 32
   * logins made 73-98 reservations instead of 59 without them; other nodes may hold more slots,
   * so that is an upper bound), not every waiter, since a burst of successful logins for one
   * account would otherwise send all its waiters to the store after each success, to find one slot
   * (32 parallel password grants: about 27 reservations per grant). A failure frees none (the
   * slot becomes a failure), unless it blocks the key: then every waiter should learn it at once.
   */
  const settle = async (key: string, how: 'fail' | 'forgive' | 'release', policy: ThrottlePolicy) => {
    let blocks = false;
    try {
      if (how === 'fail') blocks = (await counters.fail(key, policy, now())) > 0;
      else if (how === 'forgive') await counters.forgive(key, now());
      else await counters.release(key, now());
    } finally {
      hold(key, -1);
      wake(key, wakeable(key, how, blocks, policy));
    }
  };

  /** How many of `key`'s waiters a settled slot lets try (see `settle`). */
  const wakeable = (key: string, how: 'fail' | 'forgive' | 'release', blocks: boolean, policy: ThrottlePolicy): number => {
    if (how === 'release') return 1;
    if (how === 'forgive') return Math.max(1, policy.freeFailures - (held.get(key) ?? 0) - (reserving.get(key) ?? 0));
    return blocks ? Infinity : 0;
  };

  const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

  /** Reserves `key` for this attempt, waiting while it is busy; null when the wait ran out. */
  const reserveOne = async (key: string, policy: ThrottlePolicy, deadline: number): Promise<Exclude<ReservationOutcome, { kind: 'busy' }> | null> => {
    let pollMs = FIRST_POLL_MS;
    for (;;) {
      add(reserving, key, 1);
      let outcome: ReservationOutcome;
      try {
        outcome = await counters.reserve(key, policy, now());
      } finally {
        // In the same turn as the hold below: a settle always finds this reservation in one count.
        add(reserving, key, -1);
      }
      if (outcome.kind === 'allowed') hold(key, 1);
      if (outcome.kind !== 'busy') return outcome;
      const left = deadline - now();
      if (left <= 0) return null;
      await wait(key, Math.min(held.has(key) ? LOCAL_POLL_MS : pollMs, left));
      pollMs = Math.min(pollMs * 2, LAST_POLL_MS);
    }
  };

  return {
    async reserve(usernameKey, ip) {
      const account = accountKey(scope, usernameKey, ip);
      const address = ipKey(scope, ip);
      const deadline = now() + maxWaitMs;
      // The pair first: a flood against one user waits here without touching the IP's counter.
      const pair = await reserveOne(account, ACCOUNT_POLICY, deadline);
      if (pair === null) return { kind: 'busy', retryAfterSeconds: 1 };
      if (pair.kind === 'blocked') return { kind: 'throttled', retryAfterSeconds: seconds(pair.retryAfterMs) };
      // The pair's slot is held while this attempt waits for one of the IP's, and given back if it gets none.
      const ipSlot = await reserveOne(address, IP_POLICY, deadline).catch(async (err: unknown) => {
        await settle(account, 'release', ACCOUNT_POLICY);
        throw err;
      });
      if (ipSlot === null || ipSlot.kind === 'blocked') {
        await settle(account, 'release', ACCOUNT_POLICY);
        return ipSlot === null ? { kind: 'busy', retryAfterSeconds: 1 } : { kind: 'throttled', retryAfterSeconds: seconds(ipSlot.retryAfterMs) };
      }
      return {
        kind: 'reserved',
        failed: async () => {
          await Promise.all([settle(account, 'fail', ACCOUNT_POLICY), settle(address, 'fail', IP_POLICY)]);
        },
        succeeded: async () => {
          await Promise.all([settle(account, 'forgive', ACCOUNT_POLICY), settle(address, 'release', IP_POLICY)]);
        },
        abandoned: async () => {
          await Promise.all([settle(account, 'release', ACCOUNT_POLICY), settle(address, 'release', IP_POLICY)]);
        },
      };
    },
  };
}
