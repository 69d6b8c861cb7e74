/** The token cache's admission sketch (src/oauth/cache-admission.ts): counts, ageing, decisions. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { createCacheAdmission } from '../../src/oauth/cache-admission.js';

const key = (i: number): string => createHash('sha256').update(`token-${i}`).digest('hex');

describe('cache admission (TinyLFU-style frequency sketch)', () => {
  it('counts requests per key, capped at 15', () => {
    const sketch = createCacheAdmission(1000);
    assert.equal(sketch.frequency(key(1)), 0);
    for (let i = 0; i < 3; i++) sketch.record(key(1));
    assert.equal(sketch.frequency(key(1)), 3);
    for (let i = 0; i < 40; i++) sketch.record(key(2));
    assert.equal(sketch.frequency(key(2)), 15);
  });

  it('rarely overestimates keys it never saw, with as many keys recorded as the cache holds', () => {
    const sketch = createCacheAdmission(1000);
    for (let i = 0; i < 1000; i++) sketch.record(key(i));
    let overestimated = 0;
    for (let i = 1000; i < 3000; i++) if (sketch.frequency(key(i)) > 0) overestimated++;
    assert.ok(overestimated < 20, `${overestimated} of 2000 unseen keys estimated above 0`);
  });

  it('halves every count after 10 × capacity recordings, so old popularity fades', () => {
    const sketch = createCacheAdmission(64);
    for (let i = 0; i < 8; i++) sketch.record(key(1));
    assert.equal(sketch.frequency(key(1)), 8);
    // 640 recordings in all reach the sample size: everything is halved once.
    for (let i = 0; i < 632; i++) sketch.record(key(100 + (i % 50)));
    assert.equal(sketch.frequency(key(1)), 4);
  });

  it('admits a candidate only when it was asked for more often than the victim (ties keep the victim)', () => {
    const sketch = createCacheAdmission(100);
    sketch.record(key(1));
    sketch.record(key(2));
    assert.equal(sketch.admit(key(2), key(1)), false, 'a tie keeps what the cache holds');
    sketch.record(key(2));
    assert.equal(sketch.admit(key(2), key(1)), true);
    assert.equal(sketch.admit(key(1), key(2)), false);
    assert.equal(sketch.admit(key(3), key(4)), false, 'two unseen keys: no churn');
  });
});
