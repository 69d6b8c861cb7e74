/**
 * CORS over real HTTP on SQLite and PostgreSQL: which endpoints answer with CORS headers (metadata,
 * token, revocation, device authorization, with their preflights), for which origins (public
 * clients' redirect origins, loopback on any port, every client's allowed origins; never `null`),
 * nothing on the console, /api/1.0 or introspection, no credentials mode; and the cached origin set
 * follows client changes made here and by the CLI in another process.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CLI_ACTOR } from '../../src/services/actor.js';
import { startServer, type TestServer } from '../helpers/app.js';
import { CLI, run } from '../helpers/spawn.js';
import { storeKinds } from '../helpers/stores.js';
import { makeClient } from './oauth-helpers.js';

const SPA = 'https://spa.example';

async function preflight(baseUrl: string, path: string, origin: string, method = 'POST'): Promise<Response> {
  const res = await fetch(baseUrl + path, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'content-type, authorization' },
  });
  await res.arrayBuffer();
  return res;
}

async function call(baseUrl: string, path: string, origin: string, init: RequestInit = {}): Promise<Response> {
  const res = await fetch(baseUrl + path, { ...init, headers: { origin, ...(init.headers as Record<string, string>) } });
  await res.arrayBuffer();
  return res;
}

const form = { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=refresh_token&refresh_token=x&client_id=nobody' };

for (const kind of storeKinds()) {
  describe(`CORS [${kind}]`, () => {
    let server: TestServer;
    let confidentialId: string;

    before(async () => {
      server = await startServer(kind);
      await makeClient(server.ctx, { types: ['authorization_code_grant'], redirect: [`${SPA}/cb`, 'http://127.0.0.1:5173/cb'], confidential: false });
      confidentialId = (await makeClient(server.ctx, { types: ['authorization_code_grant'], redirect: ['https://backend.example/cb'] })).id;
    });
    after(async () => server?.close());

    it('answers the preflight of each browser endpoint for an allowed origin, without credentials mode', async () => {
      for (const path of ['/oauth/token', '/oauth/revoke', '/oauth/device_authorization']) {
        const res = await preflight(server.baseUrl, path, SPA);
        assert.equal(res.status, 204, path);
        assert.equal(res.headers.get('access-control-allow-origin'), SPA, path);
        assert.equal(res.headers.get('access-control-allow-methods'), 'POST');
        assert.match(res.headers.get('access-control-allow-headers') ?? '', /Content-Type/);
        assert.match(res.headers.get('access-control-allow-headers') ?? '', /Authorization/);
        assert.equal(res.headers.get('access-control-allow-credentials'), null);
        assert.match(res.headers.get('vary') ?? '', /Origin/);
      }
      const meta = await preflight(server.baseUrl, '/.well-known/oauth-authorization-server', SPA, 'GET');
      assert.equal(meta.headers.get('access-control-allow-origin'), SPA);
      assert.equal(meta.headers.get('access-control-allow-methods'), 'GET');
    });

    it('adds Access-Control-Allow-Origin to the answers, errors included', async () => {
      const meta = await call(server.baseUrl, '/.well-known/oauth-authorization-server', SPA);
      assert.equal(meta.status, 200);
      assert.equal(meta.headers.get('access-control-allow-origin'), SPA);
      const token = await call(server.baseUrl, '/oauth/token', SPA, form);
      assert.equal(token.status, 401);
      assert.equal(token.headers.get('access-control-allow-origin'), SPA, 'the app can read the error');
      const revoke = await call(server.baseUrl, '/oauth/revoke', SPA, { ...form, body: 'token=x&client_id=nobody' });
      assert.equal(revoke.headers.get('access-control-allow-origin'), SPA);
      const device = await call(server.baseUrl, '/oauth/device_authorization', SPA, { ...form, body: 'client_id=nobody' });
      assert.equal(device.status, 401);
      assert.equal(device.headers.get('access-control-allow-origin'), SPA);
    });

    it('a public client’s loopback redirect allows that loopback host on any port', async () => {
      for (const origin of ['http://127.0.0.1:5173', 'http://127.0.0.1:41000']) {
        const res = await preflight(server.baseUrl, '/oauth/token', origin);
        assert.equal(res.headers.get('access-control-allow-origin'), origin);
      }
      const other = await preflight(server.baseUrl, '/oauth/token', 'http://localhost:5173');
      assert.equal(other.headers.get('access-control-allow-origin'), null, 'localhost is another origin');
    });

    it('gives unlisted origins, null and a confidential client’s redirect origin no CORS headers; the request still fails as before', async () => {
      for (const origin of ['https://evil.example', 'null', 'https://backend.example', `${SPA}.evil.example`]) {
        const pre = await preflight(server.baseUrl, '/oauth/token', origin);
        assert.equal(pre.headers.get('access-control-allow-origin'), null, origin);
        assert.equal(pre.headers.get('access-control-allow-methods'), null, origin);
        const res = await call(server.baseUrl, '/oauth/token', origin, form);
        assert.equal(res.status, 401);
        assert.equal(res.headers.get('access-control-allow-origin'), null, origin);
      }
    });

    it('sends nothing on introspection, the REST API, the console or the authorization page', async () => {
      for (const path of ['/oauth/introspect', '/api/1.0/users/me', '/admin/auth-clients', '/login', '/oauth/authorize', '/health']) {
        const pre = await preflight(server.baseUrl, path, SPA);
        assert.equal(pre.headers.get('access-control-allow-origin'), null, path);
        const res = await call(server.baseUrl, path, SPA);
        assert.equal(res.headers.get('access-control-allow-origin'), null, path);
      }
    });

    it('follows client changes at once: allowed origins added and removed, a public client deleted', async () => {
      const origin = 'https://admin-tool.example';
      assert.equal((await preflight(server.baseUrl, '/oauth/token', origin)).headers.get('access-control-allow-origin'), null);
      const current = (await server.ctx.clients.findById(confidentialId))!;
      await server.ctx.services.clients.update(CLI_ACTOR, confidentialId, { name: current.name, types: current.types, redirect: current.redirect, allowed_origins: [origin] });
      assert.equal((await preflight(server.baseUrl, '/oauth/token', origin)).headers.get('access-control-allow-origin'), origin);
      await server.ctx.services.clients.update(CLI_ACTOR, confidentialId, { name: current.name, types: current.types, redirect: current.redirect, allowed_origins: [] });
      assert.equal((await preflight(server.baseUrl, '/oauth/token', origin)).headers.get('access-control-allow-origin'), null);
      const temp = await makeClient(server.ctx, { types: ['authorization_code_grant'], redirect: ['https://temp.example/cb'], confidential: false });
      assert.equal((await preflight(server.baseUrl, '/oauth/token', 'https://temp.example')).headers.get('access-control-allow-origin'), 'https://temp.example');
      await server.ctx.services.clients.delete(CLI_ACTOR, temp.id);
      assert.equal((await preflight(server.baseUrl, '/oauth/token', 'https://temp.example')).headers.get('access-control-allow-origin'), null);
    });

    it('sees a client the CLI creates in another process on the next request', async () => {
      const origin = 'https://from-cli.example';
      assert.equal((await preflight(server.baseUrl, '/oauth/token', origin)).headers.get('access-control-allow-origin'), null);
      const made = await run(CLI, ['client:create', '--name', `CORS CLI ${kind}`, '--client-credentials', '--allowed-origin', origin, '--json'], { DATABASE_URL: server.db.url });
      assert.equal(made.code, 0, made.stderr);
      // PostgreSQL: the notification reaches this node's listener within the documented bound.
      const deadline = Date.now() + 1000;
      let seen: string | null = null;
      while (Date.now() < deadline && seen === null) {
        seen = (await preflight(server.baseUrl, '/oauth/token', origin)).headers.get('access-control-allow-origin');
        if (seen === null) await new Promise((r) => setTimeout(r, 20));
      }
      assert.equal(seen, origin);
    });
  });
}
