/**
 * The authorization response URL (RFC 6749 §4.1.2, §3.1.2; RFC 9207): the registered redirect URI
 * kept byte for byte, the parameters appended with `?` or `&`, `iss` last. End to end (the raw
 * Location header at /oauth/authorize) in test/http/oauth-code.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { authorizationRedirect, errorRedirect } from '../../src/oauth/authorize-request.js';
import { AccessDeniedError } from '../../src/oauth/errors.js';

const ISS = 'https://id.example:8443/base';
const iss = encodeURIComponent(ISS);

describe('authorization response URL', () => {
  it('appends to the registered URI as written', () => {
    const cases: Array<[string, string]> = [
      ['https://app.example/cb', 'https://app.example/cb?code=c&state=s&iss='],
      ['https://app.example/cb?t=a%20b', 'https://app.example/cb?t=a%20b&code=c&state=s&iss='],
      ['https://app.example/cb?flag', 'https://app.example/cb?flag&code=c&state=s&iss='],
      ['https://app.example/cb?', 'https://app.example/cb?code=c&state=s&iss='],
      ['https://app.example/cb?a=1&', 'https://app.example/cb?a=1&code=c&state=s&iss='],
      ['https://app.example', 'https://app.example?code=c&state=s&iss='],
      ['http://127.0.0.1:9000/cb?x=%2F+y', 'http://127.0.0.1:9000/cb?x=%2F+y&code=c&state=s&iss='],
    ];
    for (const [registered, expected] of cases) assert.equal(authorizationRedirect(registered, ISS, { code: 'c', state: 's' }), expected + iss, registered);
  });

  it('percent-encodes the values (spaces as %20) and leaves out a missing state', () => {
    const url = authorizationRedirect('https://app.example/cb', ISS, { code: 'kg_ac_x', state: 'a b&c=d+é/?#' });
    assert.equal(url, `https://app.example/cb?code=kg_ac_x&state=a%20b%26c%3Dd%2B%C3%A9%2F%3F%23&iss=${iss}`);
    assert.equal(new URL(url).searchParams.get('state'), 'a b&c=d+é/?#');
    assert.equal(authorizationRedirect('https://app.example/cb', ISS, { code: 'c', state: null }), `https://app.example/cb?code=c&iss=${iss}`);
  });

  it('writes errors the same way, iss included', () => {
    const url = errorRedirect('https://app.example/cb?t=a%20b', ISS, new AccessDeniedError(), 'st');
    assert.equal(url, `https://app.example/cb?t=a%20b&error=access_denied&error_description=The%20user%20denied%20the%20request.&state=st&iss=${iss}`);
  });

  it('lets the URL parser encode what a header cannot carry (an internationalised host)', () => {
    const url = authorizationRedirect('https://bücher.example/cb?q=ü', ISS, { code: 'c', state: null });
    assert.equal(url, `https://xn--bcher-kva.example/cb?q=%C3%BC&code=c&iss=${iss}`);
  });
});
