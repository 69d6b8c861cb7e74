/**
 * Web hardening (issue 7, part 8): CSRF on every cookie-authenticated write, a new session id at
 * login, cookie flags, security headers with a CSP that allows no inline script, no framing, and a
 * login `next` that cannot leave the site. Routes are discovered from the running app, so pages and
 * API routes added later are covered without editing this file.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { startServer, type TestServer } from '../test/helpers/app.js';
import { isJsonSurface } from '../src/http/surfaces.js';
import { WebClient } from '../test/helpers/http.js';
import { storeKinds } from '../test/helpers/stores.js';
import { figure, fillParams, listRoutes, size } from './helpers/index.js';

/** Client-authenticated OAuth endpoints: no cookie counts there, so CSRF does not apply. */
// Routes that never read the session cookie: the client-authenticated OAuth endpoints, and the
// gateway check (a bearer token from the proxied request, and nothing else).
const CLIENT_AUTHENTICATED = new Set(['/oauth/token', '/oauth/revoke', '/oauth/introspect', '/oauth/device_authorization', '/gateway/check']);
const WRITE_METHODS = ['POST', 'PUT', 'PATCH', 'DELETE'];

/** A CSRF token for this browser session (the page layout carries one for signed-in users). */
async function csrfOf(web: WebClient): Promise<string> {
  return WebClient.csrfFrom((await web.get('/no/such/page')).text);
}

async function adminWeb(server: TestServer): Promise<WebClient> {
  const web = new WebClient(server.baseUrl);
  const res = await web.login('admin', server.admin.password);
  assert.equal(res.status, 303);
  return web;
}

/**
 * Pages get the full set; JSON answers (REST API, OAuth endpoints, metadata, health) a CSP that
 * allows nothing at all, and never an HTML body.
 */
function assertSecurityHeaders(path: string, headers: Headers, what: string): void {
  const csp = headers.get('content-security-policy') ?? '';
  if (isJsonSurface(path)) {
    assert.match(csp, /^default-src 'none';\s*frame-ancestors 'none'$/, what);
    assert.doesNotMatch(headers.get('content-type') ?? '', /html/, `${what}: a JSON surface never serves a document`);
  } else {
    assert.match(csp, /default-src 'self'/, what);
    assert.match(csp, /script-src 'self'(;|$)/, `${what}: scripts only from the site itself`);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/, what);
    assert.match(csp, /object-src 'none'/, what);
    assert.match(csp, /base-uri 'none'/, what);
  }
  assert.match(csp, /frame-ancestors 'none'/, what);
  assert.equal(headers.get('x-frame-options'), 'DENY', what);
  assert.equal(headers.get('x-content-type-options'), 'nosniff', what);
  assert.equal(headers.get('referrer-policy'), 'no-referrer', what);
}

for (const kind of storeKinds()) {
  describe(`web hardening [${kind}]`, () => {
    let server: TestServer;
    before(async () => {
      server = await startServer(kind);
    });
    after(() => server.close());

    it('refuses every cookie-authenticated POST/PUT/PATCH/DELETE without its CSRF token, or with another session\'s token', async () => {
      const victim = await adminWeb(server);
      const other = await adminWeb(server);
      const foreignToken = await csrfOf(other);
      const ownToken = await csrfOf(victim);
      const routes = listRoutes(server.app.printRoutes({ commonPrefix: false }));
      let checked = 0;
      for (const route of routes) {
        if (CLIENT_AUTHENTICATED.has(route.path)) continue;
        for (const method of route.methods.filter((m) => WRITE_METHODS.includes(m))) {
          const path = fillParams(route.path);
          const api = path.startsWith('/api/');
          // A harmless body: an unknown id in the path, or a name that fails validation.
          const send = (token?: string) =>
            api
              ? victim.json(method, path, { name: '' }, token ? { 'x-csrf-token': token } : {})
              : victim.request(method, path, {
                  body: new URLSearchParams({ name: '', ...(token ? { _csrf: token } : {}) }).toString(),
                  headers: { 'content-type': 'application/x-www-form-urlencoded' },
                });
          const bare = await send();
          assert.equal(bare.status, 403, `${method} ${route.path} without a CSRF token: ${bare.status} ${bare.text.slice(0, 200)}`);
          // INTERFACE.md: 403 {"message"} (the API guard says "CSRF token mismatch.").
          if (api) assert.equal(bare.json().message, 'CSRF token mismatch.');
          else assert.match(bare.text, /This form has expired/);
          const foreign = await send(foreignToken);
          assert.equal(foreign.status, 403, `${method} ${route.path} with another session's token`);
          if (api) {
            // With its own token the same request gets past the CSRF check (to 404/422/204…).
            const own = await send(ownToken);
            assert.ok(own.status !== 403 || !/CSRF|Bad Request/.test(own.text), `${method} ${route.path} with its own token: ${own.status} ${own.text.slice(0, 120)}`);
          }
          checked++;
        }
      }
      figure(`cookie-authenticated write routes checked for CSRF [${kind}]`, checked);
      assert.ok(checked >= 2, 'at least /login and /logout');
      // The session is intact: the refused requests changed nothing.
      assert.equal((await victim.get('/api/1.0/users/me')).status, 200);
    });

    it('gives a new session id at login, so a planted session id is useless (no fixation)', async () => {
      const web = new WebClient(server.baseUrl);
      const planted = 'kg_ss_attacker-chosen-session-id';
      const page = await web.request('GET', '/login', { headers: { cookie: `kg_session=${planted}` } });
      const res = await web.request('POST', '/login', {
        body: new URLSearchParams({ _csrf: WebClient.csrfFrom(page.text), username: 'admin', password: server.admin.password, next: '' }).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `${web.cookieHeader()}; kg_session=${planted}` },
      });
      assert.equal(res.status, 303);
      const issued = web.cookie('kg_session');
      assert.ok(issued && issued !== planted);
      const withPlanted = await fetch(`${server.baseUrl}/api/1.0/users/me`, { headers: { cookie: `kg_session=${planted}` } });
      assert.equal(withPlanted.status, 401);
      // Logging in again rotates it once more and ends the previous one.
      const second = await web.postForm('/login', { _csrf: await csrfOf(web), username: 'admin', password: server.admin.password });
      assert.equal(second.status, 303);
      assert.notEqual(web.cookie('kg_session'), issued);
      assert.equal((await fetch(`${server.baseUrl}/api/1.0/users/me`, { headers: { cookie: `kg_session=${issued}` } })).status, 401);
    });

    it('sets the session and CSRF cookies HttpOnly, SameSite=Lax, Path=/ (Secure only with an https issuer)', async () => {
      const web = new WebClient(server.baseUrl);
      const page = await web.get('/login');
      const csrfCookie = page.headers.getSetCookie().find((c) => c.startsWith('kg_csrf='));
      assert.ok(csrfCookie, 'the login page sets the CSRF secret cookie');
      assert.match(csrfCookie, /HttpOnly/i);
      assert.match(csrfCookie, /SameSite=Lax/i);
      const res = await web.postForm('/login', { _csrf: WebClient.csrfFrom(page.text), username: 'admin', password: server.admin.password });
      const session = res.headers.getSetCookie().find((c) => c.startsWith('kg_session='))!;
      assert.match(session, /HttpOnly/i);
      assert.match(session, /SameSite=Lax/i);
      assert.match(session, /Path=\//);
      assert.match(session, /Max-Age=\d+/);
      assert.ok(web.cookie('kg_session')!.length >= 40, 'the session id is long and random');
    });

    it('sends the security headers on pages, API answers, OAuth answers, errors and assets', async () => {
      const web = await adminWeb(server);
      const routes = listRoutes(server.app.printRoutes({ commonPrefix: false }));
      const paths = new Set(['/login', '/health', '/.well-known/oauth-authorization-server', '/api/1.0/users/me', '/no/such/page', '/api/1.0/no-such', '/assets/app.js']);
      for (const r of routes) if (r.methods.includes('GET') && !r.path.includes('*')) paths.add(fillParams(r.path));
      for (const path of paths) {
        const res = await web.get(path);
        assert.ok(res.status < 500, `${path}: ${res.status}`);
        assertSecurityHeaders(path, res.headers, `GET ${path}`);
      }
      const token = await fetch(`${server.baseUrl}/oauth/token`, { method: 'POST', body: 'grant_type=nope', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      assertSecurityHeaders('/oauth/token', token.headers, 'POST /oauth/token');
      figure(`pages checked for security headers [${kind}]`, paths.size + 1);
    });

    it('serves HTML with no inline script, no inline event handlers and no inline style', async () => {
      const web = await adminWeb(server);
      const routes = listRoutes(server.app.printRoutes({ commonPrefix: false }));
      const pages = ['/login?next=/admin', '/no/such/page'];
      for (const r of routes) if (r.methods.includes('GET') && !r.path.startsWith('/api') && !r.path.includes(':')) pages.push(r.path);
      const anonymous = new WebClient(server.baseUrl);
      for (const path of pages) {
        for (const client of [web, anonymous]) {
          const res = await client.get(path);
          if (!(res.headers.get('content-type') ?? '').startsWith('text/html')) continue;
          for (const m of res.text.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
            assert.match(m[1]!, /\bsrc="\/assets\//, `${path}: every script is a file from /assets`);
            assert.equal(m[2]!.trim(), '', `${path}: no inline script body`);
          }
          assert.doesNotMatch(res.text, /\son[a-z]+\s*=/i, `${path}: no inline event handlers`);
          assert.doesNotMatch(res.text, /\sstyle\s*=|<style\b/i, `${path}: no inline style`);
          assert.doesNotMatch(res.text, /javascript:/i, `${path}: no javascript: URLs`);
        }
      }
    });

    it('never redirects off-site after login, whatever `next` holds (property-based)', async () => {
      const web = await adminWeb(server);
      const base = new URL(server.baseUrl);
      const hostile = fc.oneof(
        fc.string({ maxLength: 80 }),
        fc.webUrl(),
        fc.constantFrom('//evil.example', '/\\evil.example', '\\\\evil.example', '/\t/evil.example', '/%2F/evil.example', 'https:evil.example',
          '/\u3000/evil.example', '///evil.example/', 'javascript:alert(1)', 'http://127.0.0.1.evil.example/', '/%09/evil.example', '/..//evil.example'),
        fc.tuple(fc.constantFrom('/', '//', '/\\', '\\/', '/\t', '/\n/', ' //'), fc.domain()).map(([p, d]) => p + d),
      );
      let runs = 0;
      await fc.assert(
        fc.asyncProperty(hostile, async (next) => {
          runs++;
          const res = await web.get(`/login?next=${encodeURIComponent(next)}`);
          assert.equal(res.status, 303);
          const location = res.headers.get('location')!;
          const target = new URL(location, base);
          assert.equal(target.origin, base.origin, `next=${JSON.stringify(next)} → ${location}`);
          assert.ok(location.startsWith('/') && !location.startsWith('//') && !location.includes('\\'), location);
        }),
        { numRuns: size(300, 3000) },
      );
      // The form POST path too (a real login each time).
      for (const next of ['//evil.example/x', 'https://evil.example/', '/\\evil.example', '/\t/evil.example']) {
        const res = await new WebClient(server.baseUrl).login('admin', server.admin.password, next);
        assert.equal(res.status, 303);
        assert.equal(new URL(res.headers.get('location')!, base).origin, base.origin, next);
      }
      figure(`login next values tried [${kind}]`, runs + 4);
    });
  });
}

describe('web hardening with an https issuer', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer('sqlite', { env: { KEYGATE_ISSUER: 'https://keygate.example' } });
  });
  after(() => server.close());

  it('marks cookies Secure and sends HSTS', async () => {
    const address = server.app.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const web = new WebClient(`http://127.0.0.1:${port}`);
    const page = await web.get('/login');
    assert.match(page.headers.get('strict-transport-security') ?? '', /max-age=31536000/);
    const csrfCookie = page.headers.getSetCookie().find((c) => c.startsWith('kg_csrf='))!;
    assert.match(csrfCookie, /Secure/);
    const res = await web.postForm('/login', { _csrf: WebClient.csrfFrom(page.text), username: 'admin', password: server.admin.password });
    assert.equal(res.status, 303);
    const session = res.headers.getSetCookie().find((c) => c.startsWith('kg_session='))!;
    assert.match(session, /Secure/);
    assert.match(session, /HttpOnly/);
  });
});
