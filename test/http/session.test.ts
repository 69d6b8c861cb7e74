import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { safeNextPath } from '../../src/http/plugins/session.js';
import { startServer, type TestServer } from '../helpers/app.js';
import { WebClient } from '../helpers/http.js';
import { storeKinds } from '../helpers/stores.js';

describe('safeNextPath (no open redirect)', () => {
  it('keeps local paths and refuses anything that could leave the site', () => {
    assert.equal(safeNextPath('/admin/auth-clients?page=2'), '/admin/auth-clients?page=2');
    for (const bad of ['//evil.example', 'https://evil.example', '/\\evil.example', '\\\\evil', 'javascript:alert(1)', '/\t/evil.example', '', 'admin']) {
      assert.equal(safeNextPath(bad), null, bad);
    }
  });
});

for (const kind of storeKinds()) {
  describe(`login and sessions [${kind}]`, () => {
    let server: TestServer;
    before(async () => {
      server = await startServer(kind);
    });
    after(() => server.close());

    it('logs the administrator in with a fresh HttpOnly SameSite=Lax session, and out again', async () => {
      const web = new WebClient(server.baseUrl);
      const page = await web.get('/login');
      assert.equal(page.status, 200);
      assert.match(page.text, /<label for="username">Username<\/label>/);
      assert.match(page.text, /<label for="password">Password<\/label>/);
      assert.match(page.text, />Log in<\/button>/);
      const res = await web.postForm('/login', { _csrf: WebClient.csrfFrom(page.text), username: 'admin', password: server.admin.password, next: '' });
      assert.equal(res.status, 303);
      assert.equal(res.headers.get('location'), '/admin/auth-clients');
      const setCookie = res.headers.getSetCookie().find((c) => c.startsWith('kg_session='))!;
      assert.match(setCookie, /HttpOnly/);
      assert.match(setCookie, /SameSite=Lax/);
      assert.doesNotMatch(setCookie, /Secure/);
      const me = await web.get('/api/1.0/users/me');
      assert.equal(me.status, 200);
      assert.equal(me.json().username, 'admin');
      assert.equal(me.json().administrator, true);

      // Log out with the form in the page header.
      const landing = await web.get(res.headers.get('location')!);
      const out = await web.postForm('/logout', { _csrf: WebClient.csrfFrom(landing.text) });
      assert.equal(out.status, 303);
      assert.equal(out.headers.get('location'), '/login');
      assert.equal(web.cookie('kg_session'), undefined);
      assert.equal((await web.get('/api/1.0/users/me')).status, 401);
    });

    it('gives a new session id at each login, and ends the old one', async () => {
      const web = new WebClient(server.baseUrl);
      const first = await web.login('admin', server.admin.password);
      const oldSession = web.cookie('kg_session')!;
      const landing = await web.get(first.headers.get('location')!);
      const again = await web.postForm('/login', { _csrf: WebClient.csrfFrom(landing.text), username: 'admin', password: server.admin.password });
      assert.equal(again.status, 303);
      const newSession = web.cookie('kg_session')!;
      assert.notEqual(newSession, oldSession);
      const withOld = await fetch(`${server.baseUrl}/api/1.0/users/me`, { headers: { cookie: `kg_session=${oldSession}` } });
      assert.equal(withOld.status, 401);
      const withNew = await fetch(`${server.baseUrl}/api/1.0/users/me`, { headers: { cookie: `kg_session=${newSession}` } });
      assert.equal(withNew.status, 200);
    });

    it('answers a wrong password and an unknown user with the same words', async () => {
      const web = new WebClient(server.baseUrl);
      const wrong = await web.login('admin', 'not-the-password');
      const unknown = await web.login('nobody-here', 'not-the-password');
      assert.equal(wrong.status, 401);
      assert.equal(unknown.status, 401);
      assert.match(wrong.text, /Invalid username or password\./);
      assert.match(unknown.text, /Invalid username or password\./);
      const strip = (t: string) => t.replace(/value="[^"]*"/g, '');
      assert.equal(strip(wrong.text), strip(unknown.text));
    });

    it('throttles repeated failures for a username with 429 and Retry-After', async () => {
      const web = new WebClient(server.baseUrl);
      const statuses: number[] = [];
      let last;
      for (let i = 0; i < 7; i++) {
        last = await web.login('throttled-user', 'wrong-password');
        statuses.push(last.status);
      }
      assert.deepEqual(statuses.slice(0, 5), [401, 401, 401, 401, 401]);
      assert.equal(last!.status, 429);
      assert.ok(Number(last!.headers.get('retry-after')) >= 1);
      // The administrator from the same IP is not locked out (per username+IP, not per IP yet).
      const admin = await new WebClient(server.baseUrl).login('admin', server.admin.password);
      assert.equal(admin.status, 303);
    });

    it('refuses a login POST without its CSRF token', async () => {
      const web = new WebClient(server.baseUrl);
      await web.get('/login');
      const res = await web.postForm('/login', { username: 'admin', password: server.admin.password });
      assert.equal(res.status, 403);
      assert.equal(web.cookie('kg_session'), undefined);
      assert.match(res.text, /This form has expired/);
    });

    it('returns to a local next path after login, and ignores an off-site one', async () => {
      const local = await new WebClient(server.baseUrl).login('admin', server.admin.password, '/profile/tokens');
      assert.equal(local.headers.get('location'), '/profile/tokens');
      const web = new WebClient(server.baseUrl);
      const page = await web.get('/login');
      const evil = await web.postForm('/login', { _csrf: WebClient.csrfFrom(page.text), username: 'admin', password: server.admin.password, next: '//evil.example/x' });
      assert.equal(evil.headers.get('location'), '/admin/auth-clients');
    });

    it('sends security headers: CSP without inline script, no framing, nosniff', async () => {
      const res = await fetch(`${server.baseUrl}/login`);
      const csp = res.headers.get('content-security-policy')!;
      assert.match(csp, /script-src 'self'/);
      assert.doesNotMatch(csp, /unsafe-inline/);
      assert.match(csp, /frame-ancestors 'none'/);
      assert.equal(res.headers.get('x-frame-options'), 'DENY');
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    });

    it('serves /health and the RFC 8414 metadata', async () => {
      const health = await fetch(`${server.baseUrl}/health`);
      assert.equal(health.status, 200);
      assert.deepEqual(await health.json(), { status: 'ok' });
      const meta = (await (await fetch(`${server.baseUrl}/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>;
      assert.equal(meta.issuer, server.baseUrl);
      assert.equal(meta.token_endpoint, `${server.baseUrl}/oauth/token`);
      assert.deepEqual(meta.response_types_supported, ['code']);
      assert.deepEqual(meta.code_challenge_methods_supported, ['S256']);
    });
  });
}
