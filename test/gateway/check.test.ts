/**
 * /gateway/check directly (no proxy), on SQLite and PostgreSQL: only 200, 401 and 403 whatever
 * arrives, every method answered the same without reading a body, no-store, refresh tokens 401,
 * the client_id list, and bad input (malformed or oversized Authorization: 401; missing,
 * malformed or unknown scope: 403).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CLI_ACTOR } from '../../src/services/actor.js';
import { startServer, type TestServer } from '../helpers/app.js';
import { storeKinds } from '../helpers/stores.js';
import { oauthPost } from '../http/oauth-helpers.js';

for (const kind of storeKinds()) {
  describe(`gateway check [${kind}]`, () => {
    let server: TestServer;
    let token: string;
    let refresh: string;
    let clientId: string;
    const check = async (query: string, authorization?: string, init: RequestInit = {}) => {
      const res = await fetch(`${server.baseUrl}/gateway/check${query}`, { ...init, headers: { ...(authorization !== undefined ? { authorization } : {}), ...(init.headers as Record<string, string>) } });
      const body = await res.text();
      return { status: res.status, headers: res.headers, body };
    };

    before(async () => {
      server = await startServer(kind);
      await server.ctx.services.scopes.create(CLI_ACTOR, { name: 'orders:read', description: 'Read orders' });
      const { client, secret } = await server.ctx.services.clients.create(CLI_ACTOR, { name: 'Desk', types: ['password_client'], scopes: ['api', 'orders:read'] });
      clientId = client.id;
      const user = await server.ctx.services.users.create(CLI_ACTOR, { username: 'zoë', password: 'zoe-password-123', administrator: false, permissions: [] });
      const res = await oauthPost(server.baseUrl, '/oauth/token', { grant_type: 'password', username: user.username, password: 'zoe-password-123', scope: 'orders:read', client_id: client.id, client_secret: secret! });
      token = res.body.access_token;
      refresh = res.body.refresh_token;
    });
    after(() => server?.close());

    it('200 with the identity headers, empty body and no-store, for every method, without reading a body', async () => {
      for (const method of ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']) {
        const init: RequestInit = method === 'GET' || method === 'HEAD' ? { method } : { method, body: '{"not":"read"', headers: { 'content-type': 'application/json' } };
        const res = await check('?scope=orders:read', `Bearer ${token}`, init);
        assert.equal(res.status, 200, method);
        assert.equal(res.body, '');
        assert.equal(res.headers.get('cache-control'), 'no-store');
        assert.equal(res.headers.get('x-keygate-user'), 'zo%C3%AB');
        assert.equal(res.headers.get('x-keygate-scope'), 'orders:read');
        assert.equal(res.headers.get('x-keygate-token-kind'), 'access_token');
        assert.equal(res.headers.get('x-keygate-client-id'), clientId);
      }
    });

    it('client_id restricts which clients pass; refresh tokens are 401', async () => {
      assert.equal((await check(`?scope=orders:read&client_id=other,${clientId}`, `Bearer ${token}`)).status, 200);
      const other = await check('?scope=orders:read&client_id=other', `Bearer ${token}`);
      assert.equal(other.status, 403);
      assert.match(other.headers.get('www-authenticate') ?? '', /insufficient_scope/);
      const r = await check('?scope=orders:read', `Bearer ${refresh}`);
      assert.equal(r.status, 401);
      assert.equal(r.headers.get('www-authenticate'), 'Bearer realm="keygate", error="invalid_token"');
    });

    it('bad input: 401 for a missing, malformed or oversized Authorization; 403 for a missing, malformed or unknown scope; never 500', async () => {
      const auth: Array<[string | undefined, string]> = [
        [undefined, 'Bearer realm="keygate"'],
        ['Basic dXNlcjpwYXNz', 'Bearer realm="keygate"'],
        ['Bearer', 'Bearer realm="keygate", error="invalid_token"'],
        ['Bearer a b', 'Bearer realm="keygate", error="invalid_token"'],
        [`Bearer ${'x'.repeat(8000)}`, 'Bearer realm="keygate", error="invalid_token"'],
        ['Bearer kg_at_forged', 'Bearer realm="keygate", error="invalid_token"'],
      ];
      for (const [header, challenge] of auth) {
        const res = await check('?scope=orders:read', header);
        assert.equal(res.status, 401, String(header).slice(0, 30));
        assert.equal(res.headers.get('www-authenticate'), challenge);
        assert.equal(res.headers.get('cache-control'), 'no-store');
      }
      // Beyond what Node's parser reads (16 KB of headers): still 401, never 431.
      const huge = await check('?scope=orders:read', `Bearer ${'x'.repeat(20_000)}`);
      assert.equal(huge.status, 401);
      assert.match(huge.headers.get('www-authenticate') ?? '', /invalid_token/);
      for (const query of ['', '?scope=', '?scope=a%22b', '?scope=%ZZ', '?scope=x&scope=y', `?scope=${'a'.repeat(5000)}`, '?scope=no-such-scope', '?scope=api']) {
        const res = await check(query, `Bearer ${token}`);
        assert.equal(res.status, 403, query.slice(0, 40));
        assert.match(res.headers.get('www-authenticate') ?? '', /error="insufficient_scope"/);
      }
    });
  });
}
