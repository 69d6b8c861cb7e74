/** RFC 8628 rules (src/domain/device-code.ts): user codes and the polling rate. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatUserCode, issueUserCode, normalizeUserCode, pollRate, USER_CODE_ALPHABET } from '../../src/domain/device-code.js';

describe('user codes', () => {
  it('are 8 consonants, shown as XXXX-XXXX, and read back from what a person types', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const code = issueUserCode();
      assert.match(code, /^[BCDFGHJKLMNPQRSTVWXZ]{8}$/);
      seen.add(code);
      const shown = formatUserCode(code);
      assert.match(shown, /^[A-Z]{4}-[A-Z]{4}$/);
      assert.equal(normalizeUserCode(shown), code);
      assert.equal(normalizeUserCode(shown.toLowerCase()), code);
      assert.equal(normalizeUserCode(` ${code.slice(0, 2)} ${code.slice(2, 6)}-${code.slice(6)} `), code);
    }
    assert.ok(seen.size > 1990, 'random');
    assert.doesNotMatch(USER_CODE_ALPHABET, /[AEIOUY0-9]/, 'no vowels, no digits');
  });

  it('refuses anything that cannot be a code without a lookup', () => {
    for (const input of ['', 'BCDF-GHJ', 'BCDF-GHJKL', 'BCDF-GHJ1', 'ABCD-EFGH', 'BCDF_GHJK', 'x'.repeat(100), 'BCDF-GHJK\u0000']) {
      assert.equal(normalizeUserCode(input), null, JSON.stringify(input));
    }
  });
});

describe('polling rate (RFC 8628 §3.5)', () => {
  it('the first poll and a poll after the interval are fine', () => {
    assert.deepEqual(pollRate(null, 5, 1_000), { tooFast: false, intervalSeconds: 5 });
    assert.deepEqual(pollRate(1_000, 5, 6_000), { tooFast: false, intervalSeconds: 5 });
  });

  it('a poll inside the interval is slow_down and adds 5 seconds, up to a cap', () => {
    assert.deepEqual(pollRate(1_000, 5, 5_999), { tooFast: true, intervalSeconds: 10 });
    assert.deepEqual(pollRate(1_000, 10, 2_000), { tooFast: true, intervalSeconds: 15 });
    assert.deepEqual(pollRate(1_000, 60, 2_000), { tooFast: true, intervalSeconds: 60 });
  });
});
