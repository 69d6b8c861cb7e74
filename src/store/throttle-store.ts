/**
 * Failure counters behind the throttle, shared by every node: in Redis when REDIS_URL is set,
 * otherwise in the `throttle_counters` table of the store (SQLite or PostgreSQL).
 *
 * Each operation on a counter is one atomic step — one `INSERT … ON CONFLICT … DO UPDATE …
 * RETURNING` statement on the store, one Lua script on Redis — so an attempt reserves its slot
 * (or learns it must wait, or is blocked) with no window between the check and the count: 500
 * parallel guesses get the verifications 5 sequential ones would (src/domain/throttle.ts).
 */
import { Redis } from 'ioredis';
import { sql, type RawBuilder } from 'kysely';
import { blockDelayMs, CountersUnavailableError, delaySteps, RESERVATION_LEASE_MS, type ReservationOutcome, type ThrottlePolicy } from '../domain/throttle.js';
import type { Store } from './db.js';

export interface FailureCounters {
  /** Reserves an attempt's slot, or says why not (blocked by failures, or busy with attempts in flight). */
  reserve(key: string, policy: ThrottlePolicy, nowMs: number): Promise<ReservationOutcome>;
  /** A reserved attempt failed: one more failure, its slot settled; returns the block it causes in ms (0 when none). */
  fail(key: string, policy: ThrottlePolicy, nowMs: number): Promise<number>;
  /** A reserved attempt succeeded: the failures are forgiven and its slot given back (the (username, IP) counter). */
  forgive(key: string, nowMs: number): Promise<void>;
  /** A reserved attempt succeeded or never ran: its slot is given back, the failures stay (the IP counter). */
  release(key: string, nowMs: number): Promise<void>;
  /** Whether the counters can be reached now (Redis connected); the store's own table always can. */
  reachable(): boolean;
  close(): Promise<void>;
}

/** `outcome` codes the reserving statement writes and reads back. */
const ALLOWED = 1;
const BLOCKED = 2;
const BUSY = 3;

/** Expired rows are deleted at most this often per process. */
const CLEANUP_EVERY_MS = 60_000;

const bigint = (value: number): RawBuilder<number> => sql<number>`cast(${value} as bigint)`;

function outcomeOf(code: number, blockedUntil: number, nowMs: number): ReservationOutcome {
  if (code === ALLOWED) return { kind: 'allowed' };
  if (code === BLOCKED) return { kind: 'blocked', retryAfterMs: Math.max(1, blockedUntil - nowMs) };
  return { kind: 'busy' };
}

export function createStoreCounters(store: Store): FailureCounters {
  const { db } = store;
  let cleanedAt = 0;

  // The same SQL on both dialects; every time is a parameter cast to bigint, so PostgreSQL never
  // has to guess a type, and the statement sees the row's old values in every expression.
  const t = (column: string) => sql.ref(`throttle_counters.${column}`);

  return {
    async reserve(key, policy, nowMs) {
      const now = bigint(nowMs);
      const expired = sql`${t('reset_at')} <= ${now}`;
      // Reservations whose lease ran out (a process died holding them) no longer count.
      const pending = sql`(case when ${t('pending_until')} > ${now} then ${t('pending')} else 0 end)`;
      const free = sql`(${pending} = 0 or ${t('count')} + ${pending} < ${sql.lit(policy.freeFailures)})`;
      const blocked = sql`${t('blocked_until')} > ${now}`;
      const row = await sql<{ outcome: number; blocked_until: number }>`
        insert into throttle_counters (key, count, pending, pending_until, blocked_until, reset_at, outcome)
        values (${key}, 0, 1, ${bigint(nowMs + RESERVATION_LEASE_MS)}, 0, ${bigint(nowMs + policy.windowMs)}, ${sql.lit(ALLOWED)})
        on conflict (key) do update set
          count = case when ${expired} then 0 else ${t('count')} end,
          pending = case when ${expired} then 1 when ${blocked} then ${t('pending')} when ${free} then ${pending} + 1 else ${t('pending')} end,
          pending_until = case when ${expired} or (not ${blocked} and ${free}) then ${bigint(nowMs + RESERVATION_LEASE_MS)} else ${t('pending_until')} end,
          blocked_until = case when ${expired} then 0 else ${t('blocked_until')} end,
          reset_at = case when ${expired} then ${bigint(nowMs + policy.windowMs)} else ${t('reset_at')} end,
          outcome = case when ${expired} then ${sql.lit(ALLOWED)} when ${blocked} then ${sql.lit(BLOCKED)} when ${free} then ${sql.lit(ALLOWED)} else ${sql.lit(BUSY)} end
        returning outcome, blocked_until`.execute(db);
      const { outcome, blocked_until: blockedUntil } = row.rows[0]!;
      return outcomeOf(Number(outcome), Number(blockedUntil), nowMs);
    },

    async fail(key, policy, nowMs) {
      const now = bigint(nowMs);
      const expired = sql`${t('reset_at')} <= ${now}`;
      const failures = sql`(case when ${expired} then 1 else ${t('count')} + 1 end)`;
      // The block the new count causes, as one expression over the policy's steps.
      const steps = delaySteps(policy).map(([count, delay]) => sql`when ${failures} = ${sql.lit(count)} then ${bigint(nowMs + delay)}`);
      const blockedUntil = sql`case when ${failures} < ${sql.lit(policy.freeFailures)} then (case when ${expired} then 0 else ${t('blocked_until')} end) ${sql.join(steps, sql` `)} else ${bigint(nowMs + policy.maxDelayMs)} end`;
      const first = blockDelayMs(policy, 1);
      const row = await sql<{ blocked_until: number }>`
        insert into throttle_counters (key, count, pending, pending_until, blocked_until, reset_at, outcome)
        values (${key}, 1, 0, 0, ${bigint(first > 0 ? nowMs + first : 0)}, ${bigint(nowMs + policy.windowMs)}, 0)
        on conflict (key) do update set
          count = ${failures},
          pending = case when ${expired} or ${t('pending_until')} <= ${now} or ${t('pending')} <= 0 then 0 else ${t('pending')} - 1 end,
          blocked_until = ${blockedUntil},
          reset_at = ${bigint(nowMs + policy.windowMs)},
          outcome = 0
        returning blocked_until`.execute(db);
      if (nowMs - cleanedAt >= CLEANUP_EVERY_MS) {
        cleanedAt = nowMs;
        // Old counters are removed as we go, so the table stays small.
        await db.deleteFrom('throttle_counters').where('reset_at', '<', nowMs).where('pending_until', '<', nowMs).execute();
      }
      return Math.max(0, Number(row.rows[0]!.blocked_until) - nowMs);
    },

    async forgive(key, nowMs) {
      await sql`update throttle_counters set count = 0, blocked_until = 0,
          pending = case when pending_until > ${bigint(nowMs)} and pending > 0 then pending - 1 else 0 end
        where key = ${key}`.execute(db);
    },

    async release(key, nowMs) {
      await sql`update throttle_counters
          set pending = case when pending_until > ${bigint(nowMs)} and pending > 0 then pending - 1 else 0 end
        where key = ${key}`.execute(db);
    },

    reachable: () => true,
    async close() {},
  };
}

// The same rules as the SQL above, each as one Lua script (atomic on the Redis server). Times are
// passed in, so every node uses its own clock the same way the store variant does.
const LOAD = `
local now = tonumber(ARGV[1])
local h = redis.call('HMGET', KEYS[1], 'count', 'pending', 'pending_until', 'blocked_until', 'reset_at')
local count, pending, leased, blocked, reset = tonumber(h[1]) or 0, tonumber(h[2]) or 0, tonumber(h[3]) or 0, tonumber(h[4]) or 0, tonumber(h[5]) or 0
if reset <= now then count, pending, blocked = 0, 0, 0 end
if leased <= now then pending = 0 end
local function save(c, p, l, b, r)
  redis.call('HSET', KEYS[1], 'count', string.format('%d', c), 'pending', string.format('%d', p), 'pending_until', string.format('%d', l), 'blocked_until', string.format('%d', b), 'reset_at', string.format('%d', r))
  redis.call('PEXPIRE', KEYS[1], math.max(r, l, b) - now + 1000)
end
`;

const RESERVE = `${LOAD}
local free, lease, window = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
if reset <= now then reset = now + window end
if blocked > now then return {${BLOCKED}, string.format('%d', blocked)} end
if pending == 0 or count + pending < free then
  save(count, pending + 1, now + lease, blocked, reset)
  return {${ALLOWED}, '0'}
end
return {${BUSY}, '0'}
`;

const FAIL = `${LOAD}
local free, base, max, window = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
if pending > 0 then pending = pending - 1 end
count = count + 1
if count >= free then blocked = now + math.min(base * 2 ^ math.min(count - free, 30), max) end
save(count, pending, pending > 0 and leased or 0, blocked, now + window)
return string.format('%d', blocked)
`;

const SETTLE = `${LOAD}
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if pending > 0 then pending = pending - 1 end
if ARGV[2] == 'forgive' then count, blocked = 0, 0 end
save(count, pending, pending > 0 and leased or 0, blocked, math.max(reset, now))
return 0
`;

interface ThrottleScripts {
  kgThrottleReserve(key: string, now: number, free: number, lease: number, window: number): Promise<[number, string]>;
  kgThrottleFail(key: string, now: number, free: number, base: number, max: number, window: number): Promise<string>;
  kgThrottleSettle(key: string, now: number, how: 'forgive' | 'release'): Promise<number>;
}

/**
 * ioredis, set to fail fast: with Redis gone a command fails at once (no offline queue, no
 * retries of a sent command) or after COMMAND_TIMEOUT_MS (a Redis that stopped answering), so a
 * login answers 503 within a second; the connection itself keeps retrying in the background.
 */
const CONNECT_TIMEOUT_MS = 500;
const COMMAND_TIMEOUT_MS = 500;
export const REDIS_OPTIONS = {
  connectTimeout: CONNECT_TIMEOUT_MS,
  commandTimeout: COMMAND_TIMEOUT_MS,
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  retryStrategy: (attempt: number) => Math.min(attempt * 100, 1000),
} as const;

/** Resolves when Redis at `url` answers PING within `timeoutMs`; rejects with the reason otherwise. */
export async function pingRedis(url: string, timeoutMs = 2000): Promise<void> {
  const redis = new Redis(url, { ...REDIS_OPTIONS, connectTimeout: timeoutMs, commandTimeout: timeoutMs, lazyConnect: true, retryStrategy: () => null });
  let lastError: unknown = null;
  redis.on('error', (err) => (lastError = err));
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    throw lastError instanceof Error ? lastError : err;
  } finally {
    redis.disconnect();
  }
}

export function createRedisCounters(url: string): FailureCounters {
  const redis = new Redis(url, REDIS_OPTIONS);
  redis.on('error', () => {});
  redis.defineCommand('kgThrottleReserve', { numberOfKeys: 1, lua: RESERVE });
  redis.defineCommand('kgThrottleFail', { numberOfKeys: 1, lua: FAIL });
  redis.defineCommand('kgThrottleSettle', { numberOfKeys: 1, lua: SETTLE });
  const scripts = redis as unknown as ThrottleScripts;
  const prefix = 'keygate:throttle:';
  /** Any Redis failure is "the counters cannot be reached" (src/oauth/password-auth.ts answers 503). */
  const unavailable = (err: unknown): never => {
    throw new CountersUnavailableError({ cause: err });
  };
  // Without an offline queue a command sent while connecting fails at once: until the first
  // connection, wait for it (shared by every caller) at most CONNECT_TIMEOUT_MS. Once Redis has
  // been up, a lost connection fails commands at once.
  let connecting: Promise<void> | null = null;
  let wasReady = false;
  redis.once('ready', () => (wasReady = true));
  const connected = (): Promise<void> | void => {
    if (redis.status === 'ready' || wasReady) return;
    connecting ??= new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        redis.off('ready', done);
        connecting = null;
        resolve();
      };
      const timer = setTimeout(done, CONNECT_TIMEOUT_MS);
      redis.once('ready', done);
    });
    return connecting;
  };
  return {
    async reserve(key, policy, nowMs) {
      await connected();
      const [code, blockedUntil] = await scripts.kgThrottleReserve(prefix + key, nowMs, policy.freeFailures, RESERVATION_LEASE_MS, policy.windowMs).catch(unavailable);
      return outcomeOf(Number(code), Number(blockedUntil), nowMs);
    },
    async fail(key, policy, nowMs) {
      await connected();
      const blockedUntil = await scripts.kgThrottleFail(prefix + key, nowMs, policy.freeFailures, policy.baseDelayMs, policy.maxDelayMs, policy.windowMs).catch(unavailable);
      return Math.max(0, Number(blockedUntil) - nowMs);
    },
    async forgive(key, nowMs) {
      await connected();
      await scripts.kgThrottleSettle(prefix + key, nowMs, 'forgive').catch(unavailable);
    },
    async release(key, nowMs) {
      await connected();
      await scripts.kgThrottleSettle(prefix + key, nowMs, 'release').catch(unavailable);
    },
    reachable: () => redis.status === 'ready',
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
