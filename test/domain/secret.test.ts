import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bearerTokenKind, displayPrefix, hashSecret, isWellFormedSecret, issueSecret } from '../../src/domain/secret.js';

describe('opaque secrets', () => {
  it('have a kind prefix, 256 random bits and a checksum that catches a typo', () => {
    const token = issueSecret('accessToken');
    assert.match(token, /^kg_at_[0-9A-Za-z]{49}$/);
    assert.ok(isWellFormedSecret(token, 'accessToken'));
    const last = token.at(-8)!;
    const typo = token.slice(0, -8) + (last === 'a' ? 'b' : 'a') + token.slice(-7);
    assert.equal(isWellFormedSecret(typo, 'accessToken'), false);
    assert.equal(isWellFormedSecret(token, 'refreshToken'), false);
    assert.equal(bearerTokenKind(issueSecret('personalAccessToken')), 'personalAccessToken');
  });

  it('are different every time and stored only as a SHA-256 digest', () => {
    const seen = new Set(Array.from({ length: 1000 }, () => issueSecret('clientSecret')));
    assert.equal(seen.size, 1000);
    const s = issueSecret('clientSecret');
    assert.match(hashSecret(s), /^[0-9a-f]{64}$/);
    assert.ok(!hashSecret(s).includes(s.slice(6, 20)));
  });

  it('use every base62 character about equally often, across many refills of the random pool', () => {
    const counts = new Map<string, number>();
    const n = 5000; // 5000 * 43 characters, ~100 pool refills
    for (let i = 0; i < n; i++) {
      for (const c of issueSecret('accessToken').slice(6, 49)) counts.set(c, (counts.get(c) ?? 0) + 1);
    }
    assert.equal(counts.size, 62);
    const expected = (n * 43) / 62;
    // Pearson's chi-square with 61 degrees of freedom: 120 is far beyond p = 0.00001 (~113).
    const chi = [...counts.values()].reduce((sum, k) => sum + (k - expected) ** 2 / expected, 0);
    assert.ok(chi < 120, `chi-square ${chi.toFixed(1)}`);
  });

  it('show only a short non-secret prefix', () => {
    const pat = issueSecret('personalAccessToken');
    assert.equal(displayPrefix(pat), pat.slice(0, 11));
    assert.ok(displayPrefix(pat).startsWith('kg_pat_'));
  });
});
