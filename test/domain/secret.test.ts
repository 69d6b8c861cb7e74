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

  it('show only a short non-secret prefix', () => {
    const pat = issueSecret('personalAccessToken');
    assert.equal(displayPrefix(pat), pat.slice(0, 11));
    assert.ok(displayPrefix(pat).startsWith('kg_pat_'));
  });
});
