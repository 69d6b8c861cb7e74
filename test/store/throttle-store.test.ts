/**
 * The throttle counters on real stores (SQLite, PostgreSQL) and on Redis: each operation is one
 * atomic step, so parallel reservations on one key get exactly the free allowance and the rest
 * wait (busy); failures block with growing delays; a success gives its slot back; reservations of
 * a process that died lapse.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ACCOUNT_POLICY, IP_POLICY, RESERVATION_LEASE_MS } from '../../src/domain/throttle.js';
import { openStore, type Store } from '../../src/store/db.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { createRedisCounters, createStoreCounters, type FailureCounters } from '../../src/store/throttle-store.js';
import { createTestDatabase, storeKinds, type TestDatabase } from '../helpers/stores.js';

const REDIS_URL = process.env.REDIS_URL_FOR_TESTS;
const variants = [...storeKinds().map((kind) => ({ name: kind, kind, redis: false })), ...(REDIS_URL ? [{ name: 'redis', kind: 'sqlite' as const, redis: true }] : [])];

for (const variant of variants) {
  describe(`throttle counters [${variant.name}]`, () => {
    let db: TestDatabase;
    let store: Store;
    let counters: FailureCounters;
    const key = (label: string) => `test:${label}:${randomBytes(6).toString('hex')}`;
    const T0 = 1_800_000_000_000;

    before(async () => {
      db = await createTestDatabase(variant.kind);
      store = openStore(variant.kind === 'sqlite' ? { kind: 'sqlite', path: db.path!, url: db.url } : { kind: 'postgres', url: db.url });
      await migrateToLatest(store);
      counters = variant.redis ? createRedisCounters(REDIS_URL!) : createStoreCounters(store);
    });
    after(async () => {
      await counters.close();
      await store.close();
      await db.drop();
    });

    it('gives 50 parallel reservations exactly the free allowance; the rest are busy, none blocked', async () => {
      const k = key('parallel');
      const outcomes = await Promise.all(Array.from({ length: 50 }, () => counters.reserve(k, ACCOUNT_POLICY, T0)));
      assert.equal(outcomes.filter((o) => o.kind === 'allowed').length, ACCOUNT_POLICY.freeFailures);
      assert.equal(outcomes.filter((o) => o.kind === 'busy').length, 50 - ACCOUNT_POLICY.freeFailures);
    });

    it('blocks after the free failures with growing delays, and then lets one attempt at a time try', async () => {
      const k = key('fail');
      for (let i = 0; i < ACCOUNT_POLICY.freeFailures; i++) {
        assert.equal((await counters.reserve(k, ACCOUNT_POLICY, T0)).kind, 'allowed');
        assert.equal(await counters.fail(k, ACCOUNT_POLICY, T0), i + 1 < ACCOUNT_POLICY.freeFailures ? 0 : 1_000);
      }
      assert.deepEqual(await counters.reserve(k, ACCOUNT_POLICY, T0 + 400), { kind: 'blocked', retryAfterMs: 600 });
      // The block has passed: one attempt may try; a second waits for it.
      assert.equal((await counters.reserve(k, ACCOUNT_POLICY, T0 + 1_000)).kind, 'allowed');
      assert.equal((await counters.reserve(k, ACCOUNT_POLICY, T0 + 1_000)).kind, 'busy');
      assert.equal(await counters.fail(k, ACCOUNT_POLICY, T0 + 1_000), 2_000);
      assert.equal((await counters.reserve(k, ACCOUNT_POLICY, T0 + 2_999)).kind, 'blocked');
      assert.equal((await counters.reserve(k, ACCOUNT_POLICY, T0 + 3_000)).kind, 'allowed');
      assert.equal(await counters.fail(k, ACCOUNT_POLICY, T0 + 3_000), 4_000);
    });

    it('caps the delay and forgets the counter after its window', async () => {
      const k = key('cap');
      let now = T0;
      let delay = 0;
      // 1 s, 2 s, … 512 s, then the 15-minute cap (as long as the window: the counter is forgotten when it ends).
      for (let i = 0; i < 20 && delay < ACCOUNT_POLICY.maxDelayMs; i++) {
        assert.equal((await counters.reserve(k, ACCOUNT_POLICY, now)).kind, 'allowed', `attempt ${i + 1}`);
        delay = await counters.fail(k, ACCOUNT_POLICY, now);
        now += delay;
      }
      assert.equal(delay, ACCOUNT_POLICY.maxDelayMs);
      const later = now + ACCOUNT_POLICY.windowMs + 1;
      assert.equal((await counters.reserve(k, ACCOUNT_POLICY, later)).kind, 'allowed');
      assert.equal(await counters.fail(k, ACCOUNT_POLICY, later), 0, 'a fresh window starts at one failure');
    });

    it('forgives a pair on success, while an IP gives its slot back and keeps its failures', async () => {
      const pair = key('forgive');
      for (let i = 0; i < 4; i++) {
        await counters.reserve(pair, ACCOUNT_POLICY, T0);
        await counters.fail(pair, ACCOUNT_POLICY, T0);
      }
      assert.equal((await counters.reserve(pair, ACCOUNT_POLICY, T0)).kind, 'allowed');
      await counters.forgive(pair, T0);
      const again = await Promise.all(Array.from({ length: 8 }, () => counters.reserve(pair, ACCOUNT_POLICY, T0)));
      assert.equal(again.filter((o) => o.kind === 'allowed').length, ACCOUNT_POLICY.freeFailures, 'the failures were forgiven');

      const ip = key('ip');
      for (let i = 0; i < IP_POLICY.freeFailures - 1; i++) {
        await counters.reserve(ip, IP_POLICY, T0);
        await counters.fail(ip, IP_POLICY, T0);
      }
      assert.equal((await counters.reserve(ip, IP_POLICY, T0)).kind, 'allowed');
      assert.equal((await counters.reserve(ip, IP_POLICY, T0)).kind, 'busy', 'one slot left, and it is taken');
      await counters.release(ip, T0);
      assert.equal((await counters.reserve(ip, IP_POLICY, T0)).kind, 'allowed', 'the slot came back');
      assert.equal(await counters.fail(ip, IP_POLICY, T0), 1_000, 'the earlier failures still count');
    });

    it('lets the reservations of a process that died lapse after the lease', async () => {
      const k = key('lease');
      for (let i = 0; i < ACCOUNT_POLICY.freeFailures; i++) await counters.reserve(k, ACCOUNT_POLICY, T0);
      assert.equal((await counters.reserve(k, ACCOUNT_POLICY, T0 + 1)).kind, 'busy');
      assert.equal((await counters.reserve(k, ACCOUNT_POLICY, T0 + RESERVATION_LEASE_MS + 1)).kind, 'allowed');
    });
  });
}
