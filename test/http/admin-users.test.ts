/**
 * The Users console pages over real HTTP on SQLite and PostgreSQL: administrators only; create
 * with inline errors that keep what was typed; edit permissions; delete after a confirmation,
 * which ends the user's tokens.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createUser, issuePat, startServer, type TestServer } from '../helpers/app.js';
import { WebClient } from '../helpers/http.js';
import { storeKinds } from '../helpers/stores.js';

for (const kind of storeKinds()) {
  describe(`Users console [${kind}]`, () => {
    let server: TestServer;
    let admin: WebClient;
    before(async () => {
      server = await startServer(kind);
      admin = new WebClient(server.baseUrl);
      await admin.login('admin', server.admin.password);
    });
    after(() => server.close());

    it('is for administrators only', async () => {
      const user = await createUser(server.ctx, { username: 'mona', permissions: ['view-auth_clients'] });
      const web = new WebClient(server.baseUrl);
      await web.login('mona', user.password);
      for (const path of ['/admin/users', '/admin/users/new', `/admin/users/${user.id}`, '/admin/tokens']) {
        const res = await web.get(path);
        assert.equal(res.status, 403, path);
        assert.match(res.text, /Only administrators/);
      }
      assert.equal((await new WebClient(server.baseUrl).get('/admin/users')).status, 303, 'visitors go to the login page');
    });

    it('creates a user (errors inline, nothing lost), edits permissions, and deletes after Confirm', async () => {
      const form = await admin.get('/admin/users/new');
      const csrf = WebClient.csrfFrom(form.text);
      const bad = await admin.postForm('/admin/users', { _csrf: csrf, username: 'nina', password: 'short', permissions: 'edit-auth_clients' });
      assert.equal(bad.status, 422);
      assert.match(bad.text, /at least 8 characters/);
      assert.match(bad.text, /value="nina"/);
      assert.match(bad.text, /value="edit-auth_clients" checked/);

      const ok = await admin.postForm('/admin/users', { _csrf: csrf, username: 'nina', password: 'a long password', permissions: ['view-auth_clients'] });
      assert.equal(ok.status, 303);
      const userPath = ok.headers.get('location')!;
      const nina = (await server.ctx.users.findByUsername('nina'))!;
      assert.equal(userPath, `/admin/users/${nina.id}`);
      assert.deepEqual(nina.grantedPermissions, ['view-auth_clients']);
      const dup = await admin.postForm('/admin/users', { _csrf: csrf, username: 'NINA', password: 'a long password' });
      assert.equal(dup.status, 422);
      assert.match(dup.text, /already been taken/);

      const page = await admin.get(userPath);
      assert.match(page.text, /User nina/);
      const saved = await admin.postForm(userPath, { _csrf: WebClient.csrfFrom(page.text), permissions: ['view-auth_clients', 'create-auth_clients'], password: '' });
      assert.equal(saved.status, 303);
      assert.deepEqual((await server.ctx.users.findById(nina.id))!.grantedPermissions, ['create-auth_clients', 'view-auth_clients']);
      const list = await admin.get('/admin/users?filter=nin');
      assert.match(list.text, /<td data-label="Username"><a href="\/admin\/users\/[\w-]+">nina<\/a><\/td>/);
      assert.doesNotMatch(list.text, />admin<\/a><\/td>/);

      const issued = await issuePat(server.ctx, nina.id, { name: 'n' });
      const confirm = await admin.get(`${userPath}/delete`);
      assert.match(confirm.text, />Confirm</);
      const del = await admin.postForm(`${userPath}/delete`, { _csrf: WebClient.csrfFrom(confirm.text) });
      assert.equal(del.status, 303);
      assert.equal(await server.ctx.users.findById(nina.id), null);
      assert.equal((await new WebClient(server.baseUrl).get('/api/1.0/users/me', { authorization: `Bearer ${issued.token}` })).status, 401);
    });
  });
}
