/**
 * Personal access tokens over real HTTP on SQLite and PostgreSQL: creation by the user and by an
 * administrator, the token shown once, use on /users/me, lists without the token, revocation,
 * client deletion, removal of the grant type, expiry, the KEYGATE_PAT_MAX_TTL cap, 403 for
 * another user's tokens, last use (and at most one write for 100 calls).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createClient, createUser, startServer, updateClient, type TestServer } from '../helpers/app.js';
import { CLI_ACTOR } from '../../src/services/actor.js';

import { WebClient } from '../helpers/http.js';
import { storeKinds } from '../helpers/stores.js';

const DAY = 86_400_000;

function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

/** A signed-in console client that calls the API with its session and CSRF token. */
async function sessionApi(server: TestServer, username: string, password: string) {
  const web = new WebClient(server.baseUrl);
  const res = await web.login(username, password);
  assert.equal(res.status, 303);
  const csrf = await web.csrfToken('/profile/tokens');
  return {
    web,
    call: (method: string, path: string, body?: unknown) => web.json(method, `/api/1.0${path}`, body, method === 'GET' ? {} : { 'x-csrf-token': csrf }),
  };
}

/** Moves the first suite's server clock forward (expiry without sleeping). */
let clockOffsetMs = 0;

for (const kind of storeKinds()) {
  describe(`personal access tokens API [${kind}]`, () => {
    let server: TestServer;
    let alice: { id: string; username: string; password: string };
    let bob: { id: string; username: string; password: string };
    let api: Awaited<ReturnType<typeof sessionApi>>;
    const anon = () => new WebClient(server.baseUrl);

    before(async () => {
      server = await startServer(kind, { now: () => Date.now() + clockOffsetMs });
      alice = await createUser(server.ctx, { username: 'alice', permissions: ['view-auth_clients'] });
      bob = await createUser(server.ctx, { username: 'bob' });
      api = await sessionApi(server, 'alice', alice.password);
    });
    after(() => server.close());

    it('a user creates a PAT for themself; it is shown once and works on /users/me', async () => {
      const res = await api.call('POST', `/users/${alice.id}/tokens`, { name: 'CI deploy' });
      assert.equal(res.status, 201);
      const body = res.json();
      assert.match(body.access_token, /^kg_pat_[0-9A-Za-z]{49}$/);
      assert.equal(res.headers.get('cache-control'), 'no-store');
      assert.deepEqual(Object.keys(body.token).sort(), ['client_id', 'created_at', 'expires_at', 'id', 'last_used_at', 'name', 'prefix', 'scopes']);
      assert.equal(body.token.name, 'CI deploy');
      assert.deepEqual(body.token.scopes, ['api']);
      assert.equal(body.token.expires_at, null, 'KEYGATE_PAT_TTL defaults to never');
      assert.ok(body.access_token.startsWith(body.token.prefix));
      assert.ok(body.token.prefix.length < 16);

      const me = await anon().get('/api/1.0/users/me', bearer(body.access_token));
      assert.equal(me.status, 200);
      assert.deepEqual(me.json(), { id: alice.id, username: 'alice', administrator: false, permissions: ['view-auth_clients'] });

      // Lists and reads never hold the token; the store only has its digest.
      const list = await api.call('GET', `/users/${alice.id}/tokens`);
      assert.equal(list.status, 200);
      assert.ok(!list.text.includes(body.access_token));
      assert.ok(!list.text.includes(body.access_token.slice(12)));
      assert.equal(list.json().meta.total, 1);
      const one = await api.call('GET', `/users/${alice.id}/tokens/${body.token.id}`);
      assert.equal(one.status, 200);
      assert.ok(!one.text.includes(body.access_token.slice(12)));
      const rows = await server.ctx.store.db.selectFrom('tokens').selectAll().where('id', '=', body.token.id).execute();
      assert.ok(!JSON.stringify(rows).includes(body.access_token.slice(12)));
      const audit = await server.ctx.audit.list({ page: 1, perPage: 50, type: 'token.created' });
      assert.ok(audit.data.some((e) => e.subjectId === body.token.id && e.actor.name === 'alice'));
      assert.ok(!JSON.stringify(audit.data).includes(body.access_token.slice(12)));
    });

    it('shows last use right after a call, and 100 calls make at most one last-use write', async () => {
      const created = (await api.call('POST', `/users/${alice.id}/tokens`, { name: 'busy' })).json();
      await server.ctx.lastUsed.flush();
      const writesBefore = server.ctx.lastUsed.writes;
      for (let i = 0; i < 100; i++) {
        const res = await anon().get('/api/1.0/users/me', bearer(created.access_token));
        assert.equal(res.status, 200);
      }
      const list = (await api.call('GET', `/users/${alice.id}/tokens`)).json();
      const row = list.data.find((t: { id: string }) => t.id === created.token.id);
      assert.ok(row.last_used_at, 'last use shows after a call');
      assert.ok(Date.now() - Date.parse(row.last_used_at) < 60_000);
      assert.ok(server.ctx.lastUsed.writes - writesBefore <= 1, `at most one write, got ${server.ctx.lastUsed.writes - writesBefore}`);
    });

    it('revoking a PAT refuses it on the very next request', async () => {
      const created = (await api.call('POST', `/users/${alice.id}/tokens`, { name: 'short-lived' })).json();
      assert.equal((await anon().get('/api/1.0/users/me', bearer(created.access_token))).status, 200);
      const del = await api.call('DELETE', `/users/${alice.id}/tokens/${created.token.id}`);
      assert.equal(del.status, 204);
      const after = await anon().get('/api/1.0/users/me', bearer(created.access_token));
      assert.equal(after.status, 401);
      assert.match(after.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
      assert.equal((await api.call('DELETE', `/users/${alice.id}/tokens/${created.token.id}`)).status, 404);
      assert.equal((await api.call('GET', `/users/${alice.id}/tokens/${created.token.id}`)).status, 404);
      const audit = await server.ctx.audit.list({ page: 1, perPage: 50, type: 'token.revoked' });
      assert.ok(audit.data.some((e) => e.subjectId === created.token.id));
    });

    it('an api:read PAT may read but not write', async () => {
      const created = (await api.call('POST', `/users/${alice.id}/tokens`, { name: 'reader', scopes: ['api:read'] })).json();
      assert.deepEqual(created.token.scopes, ['api:read']);
      assert.equal((await anon().get(`/api/1.0/users/${alice.id}/tokens`, bearer(created.access_token))).status, 200);
      const write = await anon().json('POST', `/api/1.0/users/${alice.id}/tokens`, { name: 'x' }, bearer(created.access_token));
      assert.equal(write.status, 403);
      assert.match(write.headers.get('www-authenticate') ?? '', /insufficient_scope/);
    });

    it('a regular user gets 403 for another user\'s tokens; an administrator may create them', async () => {
      const bobApi = await sessionApi(server, 'bob', bob.password);
      assert.equal((await bobApi.call('GET', `/users/${alice.id}/tokens`)).status, 403);
      assert.equal((await bobApi.call('POST', `/users/${alice.id}/tokens`, { name: 'sneaky' })).status, 403);
      const alices = (await api.call('GET', `/users/${alice.id}/tokens`)).json();
      assert.equal((await bobApi.call('GET', `/users/${alice.id}/tokens/${alices.data[0].id}`)).status, 403);
      assert.equal((await bobApi.call('DELETE', `/users/${alice.id}/tokens/${alices.data[0].id}`)).status, 403);

      const adminApi = await sessionApi(server, 'admin', server.admin.password);
      const made = await adminApi.call('POST', `/users/${bob.id}/tokens`, { name: 'made by admin' });
      assert.equal(made.status, 201);
      const me = await anon().get('/api/1.0/users/me', bearer(made.json().access_token));
      assert.equal(me.json().username, 'bob');
      assert.equal((await adminApi.call('GET', '/users/no-such-user/tokens')).status, 404);
      const audit = await server.ctx.audit.list({ page: 1, perPage: 50, type: 'token.created' });
      assert.ok(audit.data.some((e) => e.subjectId === made.json().token.id && e.actor.name === 'admin'));
    });

    it('deleting the client ends its PATs at once', async () => {
      const { client } = await createClient(server.ctx, { name: `PAT client ${kind} a`, types: ['personal_access_client'] });
      const created = await api.call('POST', `/users/${alice.id}/tokens`, { name: 'on a doomed client', client_id: client.id });
      assert.equal(created.status, 201);
      const token = created.json().access_token;
      assert.equal((await anon().get('/api/1.0/users/me', bearer(token))).status, 200);
      await server.ctx.services.clients.delete(CLI_ACTOR, client.id);
      assert.equal((await anon().get('/api/1.0/users/me', bearer(token))).status, 401);
    });

    it('removing personal_access_client from the client ends its PATs at once, and it can mint no more (422)', async () => {
      const { client } = await createClient(server.ctx, { name: `PAT client ${kind} b`, types: ['personal_access_client'] });
      const token = (await api.call('POST', `/users/${alice.id}/tokens`, { name: 'grant removal', client_id: client.id })).json().access_token;
      assert.equal((await anon().get('/api/1.0/users/me', bearer(token))).status, 200);
      await updateClient(server.ctx, client.id, { name: client.name, types: ['client_credentials_grant'] });
      const res = await anon().get('/api/1.0/users/me', bearer(token));
      assert.equal(res.status, 401);
      assert.match(res.headers.get('www-authenticate') ?? '', /invalid_token/);
      const refused = await api.call('POST', `/users/${alice.id}/tokens`, { name: 'no', client_id: client.id });
      assert.equal(refused.status, 422);
      assert.ok(refused.json().errors.client_id);
      await server.ctx.services.clients.delete(CLI_ACTOR, client.id);
    });

    it('client_id may be left out only while exactly one client can mint PATs', async () => {
      const { client } = await createClient(server.ctx, { name: `PAT client ${kind} c`, types: ['personal_access_client'] });
      const res = await api.call('POST', `/users/${alice.id}/tokens`, { name: 'which client?' });
      assert.equal(res.status, 422);
      assert.match(res.json().errors.client_id[0], /Choose the client/);
      await server.ctx.services.clients.delete(CLI_ACTOR, client.id);
      assert.equal((await api.call('POST', `/users/${alice.id}/tokens`, { name: 'default client' })).status, 201);
    });

    it('an expired PAT is refused, cache included', async () => {
      const expiresAt = new Date(Date.now() + 1500).toISOString();
      const created = await api.call('POST', `/users/${alice.id}/tokens`, { name: 'expiring', expires_at: expiresAt });
      assert.equal(created.status, 201);
      assert.equal(created.json().token.expires_at, expiresAt);
      const token = created.json().access_token;
      assert.equal((await anon().get('/api/1.0/users/me', bearer(token))).status, 200);
      assert.equal((await anon().get('/api/1.0/users/me', bearer(token))).status, 200, 'served from the cache now');
      clockOffsetMs = 1600; // the server's clock moves past the expiry: no sleeping
      const res = await anon().get('/api/1.0/users/me', bearer(token));
      clockOffsetMs = 0;
      assert.equal(res.status, 401);
      assert.match(res.headers.get('www-authenticate') ?? '', /invalid_token/);
    });

    it('bad input is a 422 with field errors, never a 500', async () => {
      const cases: unknown[] = [
        {},
        { name: '' },
        { name: '   ' },
        { name: 'x'.repeat(300) },
        { name: 'ok', scopes: ['admin'] },
        { name: 'ok', expires_at: 'tomorrow' },
        { name: 'ok', expires_at: new Date(Date.now() - DAY).toISOString() },
        { name: 'ok', extra: true },
        { name: ['a', 'b'] },
        [],
      ];
      for (const body of cases) {
        const res = await api.call('POST', `/users/${alice.id}/tokens`, body);
        assert.equal(res.status, 422, JSON.stringify(body));
        assert.equal(typeof res.json().message, 'string');
        assert.equal(typeof res.json().errors, 'object');
      }
      const notJson = await api.web.request('POST', `/api/1.0/users/${alice.id}/tokens`, { body: '{nope', headers: { 'content-type': 'application/json', 'x-csrf-token': await api.web.csrfToken() } });
      assert.equal(notJson.status, 400);
    });
  });

  describe(`personal access tokens under KEYGATE_PAT_MAX_TTL [${kind}]`, () => {
    let server: TestServer;
    let api: Awaited<ReturnType<typeof sessionApi>>;
    let userId: string;
    before(async () => {
      server = await startServer(kind, { env: { KEYGATE_PAT_MAX_TTL: String(30 * 86_400) } });
      const carol = await createUser(server.ctx, { username: 'carol' });
      userId = carol.id;
      api = await sessionApi(server, 'carol', carol.password);
    });
    after(() => server.close());

    it('refuses "never" and dates beyond the cap; the default is the cap', async () => {
      const never = await api.call('POST', `/users/${userId}/tokens`, { name: 'forever', expires_at: null });
      assert.equal(never.status, 422);
      assert.match(never.json().errors.expires_at[0], /must expire/);
      const far = await api.call('POST', `/users/${userId}/tokens`, { name: 'far', expires_at: new Date(Date.now() + 31 * DAY).toISOString() });
      assert.equal(far.status, 422);
      const within = await api.call('POST', `/users/${userId}/tokens`, { name: 'within', expires_at: new Date(Date.now() + 29 * DAY).toISOString() });
      assert.equal(within.status, 201);
      const byDefault = await api.call('POST', `/users/${userId}/tokens`, { name: 'default' });
      assert.equal(byDefault.status, 201);
      const expires = Date.parse(byDefault.json().token.expires_at);
      assert.ok(Math.abs(expires - (Date.now() + 30 * DAY)) < 60_000);
    });

    it('the console does not offer "never" or lifetimes beyond the cap', async () => {
      const page = await api.web.get('/profile/tokens');
      assert.equal(page.status, 200);
      assert.doesNotMatch(page.text, /<option value="never"/);
      assert.doesNotMatch(page.text, /<option value="90"/);
      assert.match(page.text, /<option value="30"/);
    });
  });
}
