/** Pure rules: PKCE S256 (RFC 7636 Appendix B vector). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isCodeVerifier, isS256Challenge, pkceMatches, s256Challenge } from '../../src/domain/pkce.js';

describe('PKCE S256', () => {
  it('matches the RFC 7636 Appendix B example', () => {
    const verifier = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
    assert.equal(s256Challenge(verifier), 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
    assert.ok(pkceMatches(verifier, 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'));
    assert.ok(!pkceMatches(verifier, 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cN'));
    // plain (challenge = verifier) never matches.
    assert.ok(!pkceMatches(verifier, verifier));
  });

  it('checks verifier and challenge syntax', () => {
    assert.ok(!isCodeVerifier('too-short'));
    assert.ok(!isCodeVerifier('a'.repeat(129)));
    assert.ok(!isCodeVerifier(`${'a'.repeat(42)}!`));
    assert.ok(isCodeVerifier('a'.repeat(43)));
    assert.ok(isS256Challenge('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'));
    assert.ok(!isS256Challenge('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM='));
  });
});
