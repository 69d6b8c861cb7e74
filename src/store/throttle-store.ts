/**
 * Failure counters behind the throttle, shared by every node: in Redis when REDIS_URL is set,
 * otherwise in the `throttle_counters` table of the store (SQLite or PostgreSQL).
 */
import { Redis } from 'ioredis';
import { blockDelayMs, type ThrottlePolicy } from '../domain/throttle.js';
import type { Store } from './db.js';

export interface FailureCounters {
  /** Milliseconds until `key` may try again (0 when not blocked). */
  blockedForMs(key: string, nowMs: number): Promise<number>;
  /** Counts a failure; returns the block it causes in ms (0 when none). */
  fail(key: string, policy: ThrottlePolicy, nowMs: number): Promise<number>;
  reset(key: string): Promise<void>;
  close(): Promise<void>;
}

export function createStoreCounters(store: Store): FailureCounters {
  const { db } = store;
  return {
    async blockedForMs(key, nowMs) {
      const row = await db.selectFrom('throttle_counters').select(['blocked_until', 'reset_at']).where('key', '=', key).executeTakeFirst();
      if (!row || Number(row.reset_at) <= nowMs) return 0;
      return Math.max(0, Number(row.blocked_until) - nowMs);
    },
    async fail(key, policy, nowMs) {
      return db.transaction().execute(async (trx) => {
        const row = await trx
          .insertInto('throttle_counters')
          .values({ key, count: 1, blocked_until: 0, reset_at: nowMs + policy.windowMs })
          .onConflict((oc) =>
            oc.column('key').doUpdateSet((eb) => ({
              count: eb.case().when('throttle_counters.reset_at', '<=', nowMs).then(1).else(eb('throttle_counters.count', '+', 1)).end(),
              reset_at: nowMs + policy.windowMs,
            })),
          )
          .returning('count')
          .executeTakeFirstOrThrow();
        const delay = blockDelayMs(policy, Number(row.count));
        if (delay > 0) await trx.updateTable('throttle_counters').set({ blocked_until: nowMs + delay }).where('key', '=', key).execute();
        // Old counters are removed as we go, so the table stays small.
        await trx.deleteFrom('throttle_counters').where('reset_at', '<', nowMs - policy.windowMs).execute();
        return delay;
      });
    },
    async reset(key) {
      await db.deleteFrom('throttle_counters').where('key', '=', key).execute();
    },
    async close() {},
  };
}

export function createRedisCounters(url: string): FailureCounters {
  const redis = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 2, enableOfflineQueue: true });
  redis.on('error', () => {});
  const prefix = 'keygate:throttle:';
  return {
    async blockedForMs(key, nowMs) {
      const until = await redis.hget(prefix + key, 'blocked_until');
      return until ? Math.max(0, Number(until) - nowMs) : 0;
    },
    async fail(key, policy, nowMs) {
      const k = prefix + key;
      const [[, count]] = (await redis.multi().hincrby(k, 'count', 1).pexpire(k, policy.windowMs).exec()) as [[unknown, number]];
      const delay = blockDelayMs(policy, Number(count));
      if (delay > 0) await redis.hset(k, 'blocked_until', String(nowMs + delay));
      return delay;
    },
    async reset(key) {
      await redis.del(prefix + key);
    },
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
