/**
 * The client settings of this round through the REST API, on SQLite and PostgreSQL: the scopes a
 * client may ask for (default `api` and `api:read`; a custom scope must exist in the catalog, and
 * only an administrator may give one), `require_pkce`, and `allowed_origins` (origins only).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { apiCall } from '../helpers/api-call.js';
import { createUser, startServer, type TestServer } from '../helpers/app.js';
import { mintToken } from '../helpers/mint-token.js';
import { storeKinds } from '../helpers/stores.js';

for (const kind of storeKinds()) {
  describe(`client settings: scopes, require_pkce, allowed_origins [${kind}]`, () => {
    let server: TestServer;
    let admin: string;
    let editor: string;
    const api = (method: string, path: string, token: string, body?: unknown) => apiCall(server.baseUrl, method, path, token, body);

    before(async () => {
      server = await startServer(kind);
      admin = await mintToken(server.ctx, { userId: server.admin.id });
      const erin = await createUser(server.ctx, { username: 'erin', permissions: ['create-auth_clients', 'edit-auth_clients', 'view-auth_clients'] });
      editor = await mintToken(server.ctx, { userId: erin.id });
      await server.ctx.store.db.insertInto('scopes').values({ name: 'orders:read', description: 'Read your orders', created_at: Date.now() }).execute();
    });
    after(() => server?.close());

    it('defaults: api and api:read, no PKCE requirement, no extra origins', async () => {
      const res = await api('POST', '/oauth/clients', admin, { name: 'Defaults', types: ['client_credentials_grant'] });
      assert.equal(res.status, 201);
      assert.deepEqual(res.body.scopes, ['api', 'api:read']);
      assert.equal(res.body.require_pkce, false);
      assert.deepEqual(res.body.allowed_origins, []);
    });

    it('refuses unknown and malformed scopes and non-origins with field errors', async () => {
      const cases: Array<[Record<string, unknown>, string, RegExp]> = [
        [{ scopes: ['billing:write'] }, 'scopes', /does not exist/],
        [{ scopes: ['has space'] }, 'scopes', /not a valid scope name/],
        [{ scopes: ['x'.repeat(65)] }, 'scopes', /not a valid scope name/],
        [{ scopes: [] }, 'scopes', /at least one scope/],
        [{ scopes: 'api' }, 'scopes', /./],
        [{ require_pkce: 'yes' }, 'require_pkce', /true or false/],
        [{ allowed_origins: ['https://app.example.com/path'] }, 'allowed_origins', /not an origin/],
        [{ allowed_origins: ['null'] }, 'allowed_origins', /not an origin/],
        [{ allowed_origins: ['ftp://files.example.com'] }, 'allowed_origins', /not an origin/],
        [{ allowed_origins: ['https://user@app.example.com'] }, 'allowed_origins', /not an origin/],
      ];
      for (const [extra, field, message] of cases) {
        const res = await api('POST', '/oauth/clients', admin, { name: `Bad ${field} ${JSON.stringify(extra)}`.slice(0, 200), types: ['authorization_code_grant'], redirect: 'https://a.example/cb', ...extra });
        if (extra.scopes === 'api') {
          // A single string is read as a one-item list, as redirect is.
          assert.equal(res.status, 201, JSON.stringify(res.body));
          continue;
        }
        assert.equal(res.status, 422, JSON.stringify(extra));
        assert.match(res.body.errors[field]?.[0] ?? '', message, JSON.stringify(res.body));
      }
    });

    it('stores valid settings, normalising origins', async () => {
      const res = await api('POST', '/oauth/clients', admin, {
        name: 'SPA backend',
        types: ['authorization_code_grant'],
        redirect: 'https://spa.example/cb',
        scopes: ['api:read', 'orders:read'],
        require_pkce: true,
        allowed_origins: ['https://spa.example/', 'http://localhost:5173'],
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.deepEqual(res.body.scopes, ['api:read', 'orders:read']);
      assert.equal(res.body.require_pkce, true);
      assert.deepEqual(res.body.allowed_origins, ['https://spa.example', 'http://localhost:5173']);
      const read = await api('GET', `/oauth/clients/${res.body.id}`, admin);
      assert.deepEqual(read.body.scopes, ['api:read', 'orders:read']);
    });

    it('only administrators may give a client a custom scope; others may choose api and api:read', async () => {
      const given = await api('POST', '/oauth/clients', editor, { name: 'Editor custom', types: ['client_credentials_grant'], scopes: ['orders:read'] });
      assert.equal(given.status, 403);
      const builtin = await api('POST', '/oauth/clients', editor, { name: 'Editor builtin', types: ['client_credentials_grant'], scopes: ['api:read'] });
      assert.equal(builtin.status, 201);
      const added = await api('PUT', `/oauth/clients/${builtin.body.id}`, editor, { name: 'Editor builtin', types: ['client_credentials_grant'], scopes: ['api:read', 'orders:read'] });
      assert.equal(added.status, 403);
      const byAdmin = await api('PUT', `/oauth/clients/${builtin.body.id}`, admin, { name: 'Editor builtin', types: ['client_credentials_grant'], scopes: ['api:read', 'orders:read'] });
      assert.equal(byAdmin.status, 200);
      // Keeping a custom scope an administrator gave is not giving one.
      const renamed = await api('PUT', `/oauth/clients/${builtin.body.id}`, editor, { name: 'Editor renamed', types: ['client_credentials_grant'] });
      assert.equal(renamed.status, 200);
      assert.deepEqual(renamed.body.scopes, ['api:read', 'orders:read']);
    });
  });
}
