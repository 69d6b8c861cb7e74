/** The CORS origin decision (src/domain/cors.ts): which origins a preflight and a call may be answered for. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allowedOriginsOf, isOriginAllowed } from '../../src/domain/cors.js';

const allowed = allowedOriginsOf([
  { confidential: false, redirect: ['https://spa.example/cb', 'http://127.0.0.1:5173/cb', 'http://localhost/callback'], allowedOrigins: [] },
  { confidential: true, redirect: ['https://server.example/cb', 'http://[::1]:9000/cb'], allowedOrigins: ['https://admin.example:8443'] },
  { confidential: false, redirect: ['not a url'], allowedOrigins: ['null', 'https://x.example/path'] },
]);

describe('CORS allowed origins', () => {
  it('allows public clients’ redirect origins and every client’s allowed origins', () => {
    assert.equal(isOriginAllowed(allowed, 'https://spa.example'), true);
    assert.equal(isOriginAllowed(allowed, 'https://admin.example:8443'), true);
  });

  it('a public client’s loopback redirect allows its loopback host on any port', () => {
    assert.equal(isOriginAllowed(allowed, 'http://127.0.0.1:5173'), true);
    assert.equal(isOriginAllowed(allowed, 'http://127.0.0.1:40123'), true);
    assert.equal(isOriginAllowed(allowed, 'http://127.0.0.1'), true);
    assert.equal(isOriginAllowed(allowed, 'http://localhost:3000'), true);
    assert.equal(isOriginAllowed(allowed, 'https://127.0.0.1:5173'), false, 'the scheme still matters');
  });

  it('never allows a confidential client’s redirect origins by themselves', () => {
    assert.equal(isOriginAllowed(allowed, 'https://server.example'), false);
    assert.equal(isOriginAllowed(allowed, 'http://[::1]:9000'), false);
  });

  it('refuses null, missing, malformed and look-alike origins', () => {
    for (const origin of [undefined, 'null', '', 'https://spa.example/', 'https://SPA.example', 'https://spa.example:443x', 'https://spa.example.evil', 'https://evil.example',
      'https://spa.example, https://evil.example', 'file://', 'https://x.example']) {
      assert.equal(isOriginAllowed(allowed, origin), false, String(origin));
    }
  });

  it('an empty store allows nothing', () => {
    assert.equal(isOriginAllowed(allowedOriginsOf([]), 'http://127.0.0.1:5173'), false);
  });
});
