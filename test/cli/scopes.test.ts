/** scope:create, scope:list and scope:delete through the built CLI, and the /admin/scopes console page, against a running server's store. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CLI_ACTOR } from '../../src/services/actor.js';
import { startServer, type TestServer } from '../helpers/app.js';
import { WebClient } from '../helpers/http.js';
import { CLI, run } from '../helpers/spawn.js';
import { storeKinds } from '../helpers/stores.js';
import { oauthPost } from '../http/oauth-helpers.js';

describe('keygate scope commands: help and bad arguments', () => {
  it('each scope command has --help and is listed; a missing option is one clear line', async () => {
    const list = await run(CLI, ['--help']);
    for (const name of ['scope:create', 'scope:list', 'scope:delete']) {
      assert.match(list.stdout, new RegExp(`\\b${name}\\b`));
      const res = await run(CLI, [name, '--help']);
      assert.equal(res.code, 0, `${name}: ${res.stderr}`);
      assert.match(res.stdout, new RegExp(`Usage: keygate ${name}`));
    }
    const bad = await run(CLI, ['scope:create', '--name', 'x']);
    assert.notEqual(bad.code, 0, bad.stderr);
    assert.match(bad.stderr, /--description is required/);
  });
});

for (const kind of storeKinds()) {
  describe(`keygate scope commands and the Scopes page [${kind}]`, () => {
    let server: TestServer;
    let env: Record<string, string>;
    before(async () => {
      server = await startServer(kind);
      env = { DATABASE_URL: server.db.url };
    });
    after(() => server?.close());

    it('scope:create / list / delete (JSON and text), with field errors and an unknown name', async () => {
      const created = await run(CLI, ['scope:create', '--name', 'orders:read', '--description', 'Read your orders', '--json'], env);
      assert.equal(created.code, 0, created.stderr);
      assert.equal(JSON.parse(created.stdout).name, 'orders:read');
      const reserved = await run(CLI, ['scope:create', '--name', 'api', '--description', 'x'], env);
      assert.equal(reserved.code, 1, reserved.stderr);
      assert.match(reserved.stderr, /reserved/);
      const list = await run(CLI, ['scope:list', '--json'], env);
      assert.deepEqual(JSON.parse(list.stdout).data.map((s: { name: string }) => s.name), ['orders:read']);
      assert.match((await run(CLI, ['scope:list'], env)).stdout, /orders:read\s+Read your orders/);
      // A running server refuses a token of the deleted scope on its next request.
      const { client, secret } = await server.ctx.services.clients.create(CLI_ACTOR, { name: 'Shop', types: ['client_credentials_grant'] });
      const updated = await run(CLI, ['client:update', '--id', 'shop', '--scope', 'orders:read', '--json'], env);
      assert.equal(updated.code, 0, updated.stderr);
      assert.deepEqual(JSON.parse(updated.stdout).scopes, ['orders:read']);
      const unknown = await run(CLI, ['client:update', '--id', 'shop', '--scope', 'nope:x'], env);
      assert.equal(unknown.code, 1, unknown.stderr);
      assert.match(unknown.stderr, /does not exist/);
      const token = (await oauthPost(server.baseUrl, '/oauth/token', { grant_type: 'client_credentials', client_id: client.id, client_secret: secret! })).body.access_token;
      const gate = () => fetch(`${server.baseUrl}/gateway/check?scope=orders:read`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);
      assert.equal(await gate(), 200);
      const deleted = await run(CLI, ['scope:delete', '--name', 'orders:read', '--json'], env);
      assert.equal(deleted.code, 0, deleted.stderr);
      assert.deepEqual(JSON.parse(deleted.stdout), { name: 'orders:read', clients: 1, consents: 0, tokens: 1, tokens_revoked: 1 });
      assert.equal(await gate(), 401);
      const missing = await run(CLI, ['scope:delete', '--name', 'orders:read'], env);
      assert.equal(missing.code, 1, missing.stderr);
      assert.match(missing.stderr, /no scope named "orders:read"/);
    });

    it('the console: + Scope, Name, Description, Save (PRG), field errors, Delete then Confirm', async () => {
      const web = new WebClient(server.baseUrl);
      await web.login('admin', server.admin.password);
      const list = await web.get('/admin/scopes');
      assert.equal(list.status, 200);
      assert.match(list.text, />\+ Scope</);
      assert.match(list.text, /href="\/admin\/scopes"[^>]*>Scopes</);
      const form = await web.get('/admin/scopes/new');
      assert.match(form.text, /<label for="name">Name<\/label>/);
      assert.match(form.text, /<label for="description">Description<\/label>/);
      const csrf = WebClient.csrfFrom(form.text);
      const bad = await web.postForm('/admin/scopes', { _csrf: csrf, name: 'has space', description: 'x' });
      assert.equal(bad.status, 422);
      assert.match(bad.text, /scope token/);
      const saved = await web.postForm('/admin/scopes', { _csrf: csrf, name: 'reports', description: 'See reports' });
      assert.equal(saved.status, 303);
      assert.equal(saved.headers.get('location'), '/admin/scopes');
      const after = await web.get('/admin/scopes');
      assert.match(after.text, /<code>reports<\/code>/);
      // The client form offers the custom scope to administrators under Allowed scopes.
      const clientForm = await web.get('/admin/auth-clients/new');
      assert.match(clientForm.text, /<legend>Allowed scopes<\/legend>/);
      assert.match(clientForm.text, /value="reports"/);
      const confirm = await web.get('/admin/scopes/reports/delete');
      assert.match(confirm.text, />Confirm</);
      const gone = await web.postForm('/admin/scopes/reports/delete', { _csrf: WebClient.csrfFrom(confirm.text) });
      assert.equal(gone.status, 303);
      assert.doesNotMatch((await web.get('/admin/scopes')).text, /<code>reports<\/code>/);
    });
  });
}
