/**
 * The password-hash queue (src/domain/hash-queue.ts) with stand-in work: bounded concurrency,
 * round-robin across addresses, a per-address cap, a global bound where a newcomer takes the
 * busiest address's newest slot, and 503-style refusals with a Retry-After estimate.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createHashQueue, HashQueueFullError } from '../../src/domain/hash-queue.js';

/** Work that finishes when the test says so. */
function gate() {
  const pending: Array<() => void> = [];
  return {
    work: () => new Promise<void>((resolve) => pending.push(resolve)),
    /** Finishes the oldest running job and lets the queue start the next. */
    async finishOne() {
      pending.shift()?.();
      await new Promise((r) => setImmediate(r));
    },
    get running() {
      return pending.length;
    },
  };
}

describe('password-hash queue', () => {
  it('runs at most `concurrency` jobs and takes waiting work round-robin across addresses', async () => {
    const g = gate();
    const q = createHashQueue({ concurrency: 2, perAddressCap: 100, waitingCap: 100 });
    const order: string[] = [];
    const submit = (address: string, label: string) => q.run(address, async () => (order.push(label), g.work()));
    const all = [
      ...Array.from({ length: 10 }, (_, i) => submit('flood', `f${i}`)),
      submit('alice', 'a0'),
      submit('bob', 'b0'),
      submit('alice', 'a1'),
    ];
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(q.stats(), { running: 2, waiting: 11, addresses: 3 });
    while (order.length < 13) await g.finishOne();
    // f0 and f1 started at once; then each address in turn: flood, alice, bob, flood, alice, flood…
    assert.deepEqual(order.slice(0, 8), ['f0', 'f1', 'f2', 'a0', 'b0', 'f3', 'a1', 'f4']);
    while (g.running > 0) await g.finishOne();
    await Promise.all(all);
    assert.deepEqual(q.stats(), { running: 0, waiting: 0, addresses: 0 });
  });

  it('refuses an address past its cap, and others still get in', async () => {
    const g = gate();
    const q = createHashQueue({ concurrency: 1, perAddressCap: 3, waitingCap: 100, initialJobMs: 40 });
    const accepted = Array.from({ length: 3 }, () => q.run('flood', g.work));
    await assert.rejects(q.run('flood', g.work), (err: unknown) => err instanceof HashQueueFullError && err.retryAfterSeconds >= 1);
    const other = q.run('admin', g.work);
    while (g.running > 0) await g.finishOne();
    await Promise.all([...accepted, other]);
  });

  it("when full, a newcomer takes the busiest address's newest slot; equals are refused", async () => {
    const g = gate();
    const q = createHashQueue({ concurrency: 1, perAddressCap: 100, waitingCap: 4 });
    const running = q.run('flood', g.work);
    const waiting = Array.from({ length: 4 }, () => q.run('flood', g.work).then(() => 'done', (err: unknown) => (err instanceof HashQueueFullError ? 'refused' : 'error')));
    const admin = q.run('admin', g.work).then(() => 'done');
    assert.equal(await waiting[3], 'refused', "the flood's newest job gave its slot up");
    assert.deepEqual(q.stats(), { running: 1, waiting: 4, addresses: 2 });
    // Still the busiest (3 waiting): newcomers take its slots until it waits with no more than them…
    const second = q.run('other', g.work).then(() => 'done');
    assert.equal(await waiting[2], 'refused');
    const third = q.run('another', g.work).then(() => 'done');
    assert.equal(await waiting[1], 'refused');
    // …then every address waits with one job: a fifth is refused.
    await assert.rejects(q.run('fifth', g.work), HashQueueFullError);
    while (g.running > 0 || q.stats().waiting > 0) await g.finishOne();
    await running;
    assert.deepEqual(await Promise.all([waiting[0], admin, second, third]), ['done', 'done', 'done', 'done']);
  });

  it("passes a failing job's error on and frees its slot", async () => {
    const q = createHashQueue({ concurrency: 1, perAddressCap: 2, waitingCap: 2 });
    await assert.rejects(q.run('x', () => Promise.reject(new Error('boom'))), /boom/);
    assert.equal(await q.run('x', () => Promise.resolve(7)), 7);
    assert.deepEqual(q.stats(), { running: 0, waiting: 0, addresses: 0 });
  });
});
