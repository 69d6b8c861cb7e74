/**
 * Pure rule: redirect URI matching (RFC 6749 §3.1.2.3; RFC 8252 §7.3 for loopback ports). Loopback
 * URIs match as raw strings once the port is removed; user info and backslashes are refused.
 * The end-to-end proof (an error page at /oauth/authorize, never a redirect) is in
 * test/http/oauth-code.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isAmbiguousRedirect, redirectMatches, resolveRedirectUri } from '../../src/domain/redirect-match.js';

const refused = (registered: string, presented: readonly string[]): void => {
  for (const p of presented) assert.equal(redirectMatches(registered, p), false, `${registered} must not match ${p}`);
};
const accepted = (registered: string, presented: readonly string[]): void => {
  for (const p of presented) assert.equal(redirectMatches(registered, p), true, `${registered} must match ${p}`);
};

describe('redirect URI matching', () => {
  it('is exact for every other URI', () => {
    accepted('https://app.example/cb', ['https://app.example/cb']);
    accepted('https://app.example/cb?t=a%20b', ['https://app.example/cb?t=a%20b']);
    refused('https://app.example/cb', [
      'https://app.example/cb/', 'https://app.example/CB', 'https://APP.example/cb', 'HTTPS://app.example/cb', 'https://app.example/cb?x=1',
      'https://app.example:444/cb', 'https://app.example:443/cb', 'http://app.example/cb', 'https://app.example.evil/cb', 'https://app.example./cb',
      'https://app.example/%63b', 'https://app.example/cb#x', 'https://app.example/cb ', ' https://app.example/cb',
    ]);
  });

  it('lets a loopback IP redirect differ in its port only (RFC 8252 §7.3)', () => {
    accepted('http://127.0.0.1/cb', ['http://127.0.0.1/cb', 'http://127.0.0.1:51234/cb', 'http://127.0.0.1:1/cb', 'http://127.0.0.1:65535/cb']);
    accepted('http://127.0.0.1:8000/cb', ['http://127.0.0.1:9/cb', 'http://127.0.0.1/cb', 'http://127.0.0.1:8000/cb']);
    accepted('http://[::1]/cb', ['http://[::1]:8080/cb', 'http://[::1]/cb']);
    accepted('http://127.0.0.1/cb?t=a%20b', ['http://127.0.0.1:9000/cb?t=a%20b']);
    accepted('http://127.0.0.1', ['http://127.0.0.1:9000']);
    refused('http://127.0.0.1/cb', [
      'http://127.0.0.1:5000/other', 'http://127.0.0.1:5000/cb/', 'http://127.0.0.1:5000/CB', 'http://127.0.0.1:5000/cb?x',
      'https://127.0.0.1:5000/cb', 'HTTP://127.0.0.1:5000/cb', 'http://[::1]:5000/cb',
      // Ports that are not a port.
      'http://127.0.0.1:/cb', 'http://127.0.0.1:0/cb', 'http://127.0.0.1:65536/cb', 'http://127.0.0.1:09000/cb', 'http://127.0.0.1:+80/cb', 'http://127.0.0.1:80:80/cb',
    ]);
  });

  it('refuses other spellings of a loopback host: they compare as raw strings', () => {
    refused('http://127.0.0.1/cb', [
      'http://127.0.0.1.:9000/cb', // trailing dot
      'http://127.1:9000/cb', 'http://2130706433:9000/cb', 'http://0x7f.0.0.1:9000/cb', 'http://127.000.000.001:9000/cb',
      'http://127%2E0.0.1:9000/cb', 'http://%31%32%37.0.0.1:9000/cb', // percent-encoded host
      'http://localhost:9000/cb', 'http://LOCALHOST:9000/cb',
    ]);
    refused('http://[::1]/cb', ['http://[0:0:0:0:0:0:0:1]:80/cb', 'http://[::0001]:80/cb', 'http://[::ffff:127.0.0.1]:80/cb', 'http://[::1%25lo]:80/cb']);
    refused('http://localhost/cb', ['http://localhost:5000/cb']); // only IP literals (RFC 8252 §8.3)
  });

  it('refuses backslashes, user info and smuggled hosts', () => {
    refused('http://127.0.0.1/cb', [
      'http://127.0.0.1:9000\\@evil.com/cb', // a browser goes to 127.0.0.1:9000 path /@evil.com/cb
      'http://127.0.0.1:9000\\cb',
      'http://127.0.0.1\\cb',
      'http://user@127.0.0.1:5000/cb',
      'http://user:pass@127.0.0.1/cb',
      'http://evil.com@127.0.0.1:5000/cb',
      'http://127.0.0.1:9000@evil.com/cb',
      'http://127.0.0.1:9000%40evil.com/cb',
      'http://127.0.0.1:9000%2F@evil.com/cb',
      'http://127.0.0.1:9000%5C@evil.com/cb',
      'http://127.0.0.1:9000/cb/..\\..\\evil',
      'http://127.0.0.1:9000\t/cb',
      'http://127.0.0.1:9000/c\tb',
      'http://127.0.0.1:9000/cb\n',
    ]);
    // Even the exact registered string is refused when it would be ambiguous.
    refused('https://app.example/a\\b', ['https://app.example/a\\b']);
    assert.ok(isAmbiguousRedirect('https://u@app.example/cb'));
    assert.ok(isAmbiguousRedirect('https://app.example\\@evil.com/cb'));
    assert.ok(!isAmbiguousRedirect('https://app.example/@me/cb'), 'an @ in the path is not user info');
    assert.ok(!isAmbiguousRedirect('https://app.example/cb?to=a@b'));
    accepted('https://app.example/@me/cb', ['https://app.example/@me/cb']);
  });

  it('resolves an omitted redirect_uri only when exactly one is registered', () => {
    assert.equal(resolveRedirectUri(['https://a.example/cb'], undefined), 'https://a.example/cb');
    assert.equal(resolveRedirectUri(['https://a.example/cb', 'https://b.example/cb'], undefined), null);
    assert.equal(resolveRedirectUri([], undefined), null);
    assert.equal(resolveRedirectUri(['https://a.example/cb'], 'https://evil.example/cb'), null);
    assert.equal(resolveRedirectUri(['https://a.example/cb', 'http://127.0.0.1/cb'], 'http://127.0.0.1:4000/cb'), 'http://127.0.0.1:4000/cb');
    assert.equal(resolveRedirectUri(['http://127.0.0.1/cb'], 'http://127.0.0.1:9000\\@evil.com/cb'), null);
  });
});
