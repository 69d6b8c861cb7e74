/** Pure rules: PKCE S256 (RFC 7636 Appendix B vector) and redirect URI matching (RFC 8252 §7.3). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isCodeVerifier, isS256Challenge, pkceMatches, s256Challenge } from '../../src/domain/pkce.js';
import { redirectMatches, resolveRedirectUri } from '../../src/domain/redirect-match.js';

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

describe('redirect URI matching', () => {
  it('is exact, apart from the port of a loopback IP redirect', () => {
    assert.ok(redirectMatches('https://app.example/cb', 'https://app.example/cb'));
    for (const presented of ['https://app.example/cb/', 'https://app.example/CB', 'https://app.example/cb?x=1', 'https://app.example:444/cb', 'http://app.example/cb', 'https://app.example.evil/cb']) {
      assert.ok(!redirectMatches('https://app.example/cb', presented), presented);
    }
    assert.ok(redirectMatches('http://127.0.0.1/cb', 'http://127.0.0.1:51234/cb'));
    assert.ok(redirectMatches('http://127.0.0.1:8000/cb', 'http://127.0.0.1:9/cb'));
    assert.ok(redirectMatches('http://[::1]/cb', 'http://[::1]:8080/cb'));
    assert.ok(!redirectMatches('http://127.0.0.1/cb', 'http://127.0.0.1:5000/other'));
    assert.ok(!redirectMatches('http://localhost/cb', 'http://localhost:5000/cb'), 'only loopback IP literals (RFC 8252 §8.3)');
    assert.ok(!redirectMatches('http://127.0.0.1/cb', 'https://127.0.0.1:5000/cb'));
    assert.ok(!redirectMatches('http://127.0.0.1/cb', 'http://user@127.0.0.1:5000/cb'));
  });

  it('resolves an omitted redirect_uri only when exactly one is registered', () => {
    assert.equal(resolveRedirectUri(['https://a.example/cb'], undefined), 'https://a.example/cb');
    assert.equal(resolveRedirectUri(['https://a.example/cb', 'https://b.example/cb'], undefined), null);
    assert.equal(resolveRedirectUri([], undefined), null);
    assert.equal(resolveRedirectUri(['https://a.example/cb'], 'https://evil.example/cb'), null);
  });
});
