/**
 * User management for administrators over real HTTP, on SQLite and PostgreSQL: list (paginated,
 * filtered), create, read, update (permissions, administrator, password), delete (their tokens
 * end at once); everyone else gets 403.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createUser, issuePat, startServer, type TestServer } from '../helpers/app.js';
import { WebClient } from '../helpers/http.js';
import { storeKinds } from '../helpers/stores.js';

async function patFor(server: TestServer, userId: string, scopes: string[] = ['api']): Promise<string> {
  return (await issuePat(server.ctx, userId, { name: `test ${scopes.join(' ')}`, scopes })).token;
}

for (const kind of storeKinds()) {
  describe(`users API [${kind}]`, () => {
    let server: TestServer;
    let adminToken: string;
    let web: WebClient;
    const call = (method: string, path: string, body?: unknown, token = adminToken) => web.json(method, `/api/1.0${path}`, body, { authorization: `Bearer ${token}` });

    before(async () => {
      server = await startServer(kind);
      web = new WebClient(server.baseUrl);
      adminToken = await patFor(server, server.admin.id);
    });
    after(() => server.close());

    it('creates, reads and lists users with pagination and a filter', async () => {
      const created = await call('POST', '/users', { username: 'Dora', password: 'correct horse battery', permissions: ['view-auth_clients'] });
      assert.equal(created.status, 201);
      const dora = created.json();
      assert.deepEqual(Object.keys(dora).sort(), ['administrator', 'created_at', 'id', 'permissions', 'updated_at', 'username']);
      assert.equal(dora.username, 'Dora');
      assert.deepEqual(dora.permissions, ['view-auth_clients']);
      assert.ok(!created.text.includes('password'));
      for (let i = 0; i < 4; i++) assert.equal((await call('POST', '/users', { username: `filler-${i}`, password: 'long enough pw' })).status, 201);

      assert.deepEqual((await call('GET', `/users/${dora.id}`)).json(), dora);
      const page1 = (await call('GET', '/users?per_page=2&page=1')).json();
      assert.equal(page1.data.length, 2);
      assert.deepEqual(page1.meta, { total: 6, page: 1, per_page: 2 });
      const filtered = (await call('GET', '/users?filter=FILLER')).json();
      assert.equal(filtered.meta.total, 4);
      assert.equal((await call('GET', '/users/nobody')).status, 404);

      const dup = await call('POST', '/users', { username: 'dora', password: 'another password' });
      assert.equal(dup.status, 422);
      assert.deepEqual(Object.keys(dup.json().errors), ['username']);
      const weak = await call('POST', '/users', { username: 'weak', password: 'short' });
      assert.equal(weak.status, 422);
      assert.ok(weak.json().errors.password);
      const badPerm = await call('POST', '/users', { username: 'x', password: 'long enough pw', permissions: ['root'] });
      assert.equal(badPerm.status, 422);
    });

    it('updates permissions, the administrator flag and the password, effective on tokens at once', async () => {
      const erin = await createUser(server.ctx, { username: 'erin' });
      const erinToken = await patFor(server, erin.id);
      assert.deepEqual((await call('GET', '/users/me', undefined, erinToken)).json().permissions, []);
      const upd = await call('PUT', `/users/${erin.id}`, { permissions: ['view-auth_clients', 'edit-auth_clients'] });
      assert.equal(upd.status, 200);
      assert.deepEqual(upd.json().permissions, ['edit-auth_clients', 'view-auth_clients']);
      assert.deepEqual((await call('GET', '/users/me', undefined, erinToken)).json().permissions, ['view-auth_clients', 'edit-auth_clients']);
      assert.equal((await call('GET', '/users', undefined, erinToken)).status, 403);
      assert.equal((await call('PUT', `/users/${erin.id}`, { administrator: true })).json().administrator, true);
      assert.equal((await call('GET', '/users', undefined, erinToken)).status, 200, 'administrator at once');
      assert.equal((await call('PUT', `/users/${erin.id}`, { administrator: false })).status, 200);

      assert.equal((await call('PUT', `/users/${erin.id}`, { password: 'a brand new password' })).status, 200);
      const login = await new WebClient(server.baseUrl).login('erin', 'a brand new password');
      assert.equal(login.status, 303);
      assert.equal((await call('PUT', `/users/${erin.id}`, { password: 'short' })).status, 422);
      assert.equal((await call('PUT', '/users/missing', { administrator: true })).status, 404);
      assert.equal((await call('PUT', `/users/${server.admin.id}`, { administrator: false })).status, 422, 'an administrator cannot demote themself');
    });

    it('deleting a user ends their tokens at once', async () => {
      const fred = await createUser(server.ctx, { username: 'fred' });
      const fredToken = await patFor(server, fred.id);
      assert.equal((await call('GET', '/users/me', undefined, fredToken)).status, 200);
      assert.equal((await call('DELETE', `/users/${fred.id}`)).status, 204);
      const after = await call('GET', '/users/me', undefined, fredToken);
      assert.equal(after.status, 401);
      assert.match(after.headers.get('www-authenticate') ?? '', /invalid_token/);
      assert.equal((await call('DELETE', `/users/${fred.id}`)).status, 404);
      assert.equal((await call('DELETE', `/users/${server.admin.id}`)).status, 422, 'not yourself');
      const audit = await server.ctx.audit.list({ page: 1, perPage: 10, type: 'user.deleted' });
      assert.equal(audit.data[0]?.subjectId, fred.id);
    });

    it('refuses non-administrators (403), missing tokens (401) and read-only tokens for writes', async () => {
      const gina = await createUser(server.ctx, { username: 'gina', permissions: ['view-auth_clients', 'create-auth_clients', 'edit-auth_clients', 'delete-auth_clients'] });
      const ginaToken = await patFor(server, gina.id);
      for (const [method, path, body] of [['GET', '/users'], ['POST', '/users', { username: 'h', password: 'long enough pw' }], ['GET', `/users/${gina.id}`], ['PUT', `/users/${gina.id}`, { administrator: true }], ['DELETE', `/users/${server.admin.id}`]] as const) {
        const res = await call(method, path, body, ginaToken);
        assert.equal(res.status, 403, `${method} ${path}`);
        assert.deepEqual(Object.keys(res.json()), ['message']);
      }
      const anon = await new WebClient(server.baseUrl).get('/api/1.0/users');
      assert.equal(anon.status, 401);
      assert.equal(anon.headers.get('www-authenticate'), 'Bearer realm="keygate"');
      const readOnly = await patFor(server, server.admin.id, ['api:read']);
      assert.equal((await call('GET', '/users', undefined, readOnly)).status, 200);
      assert.equal((await call('POST', '/users', { username: 'ro', password: 'long enough pw' }, readOnly)).status, 403);
    });
  });
}
