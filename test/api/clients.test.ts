/**
 * The Auth Clients REST API over real HTTP on SQLite and PostgreSQL: every validation rule, every
 * permission allowed and refused, 404, pagination/filter/order, the secret shown once, secret
 * regeneration with and without grace, delete ending the client's tokens, and the session+CSRF path.
 */
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { hashSecret, issueSecret } from '../../src/domain/secret.js';
import { createUser, startServer, type TestServer } from '../helpers/app.js';
import { WebClient } from '../helpers/http.js';
import { mintToken } from '../helpers/mint-token.js';
import { storeKinds } from '../helpers/stores.js';

const CODE = 'authorization_code_grant';

for (const kind of storeKinds()) {
  describe(`Auth Clients API [${kind}]`, () => {
    let server: TestServer;
    let admin: string;
    const secretsSeen: string[] = [];
    const api = (method: string, path: string, token: string | null, body?: unknown) =>
      fetch(`${server.baseUrl}/api/1.0${path}`, {
        method,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      }).then(async (res) => ({ status: res.status, headers: res.headers, // eslint-disable-next-line @typescript-eslint/no-explicit-any
        body: (res.status === 204 ? null : await res.json()) as any }));
    const create = async (body: unknown, token = admin) => {
      const res = await api('POST', '/oauth/clients', token, body);
      if (res.body?.secret) secretsSeen.push(res.body.secret);
      return res;
    };

    before(async () => {
      server = await startServer(kind);
      admin = await mintToken(server.ctx, { userId: server.admin.id });
    });
    after(async () => {
      const path = server?.db.path;
      await server?.close({ keepDatabase: true });
      if (path) {
        // A database file after the tests holds no plaintext client secret.
        for (const file of [path, `${path}-wal`]) {
          if (!existsSync(file)) continue;
          const bytes = readFileSync(file).toString('latin1');
          for (const secret of secretsSeen) assert.ok(!bytes.includes(secret), `plaintext secret found in ${file}`);
        }
      }
      await server?.db.drop();
    });

    it('creates a client: 201, the secret once with its prefix, never again', async () => {
      const res = await create({ name: '  Billing App ', types: [CODE, 'client_credentials_grant'], redirect: 'https://billing.example.com/cb, http://127.0.0.1/cb' });
      assert.equal(res.status, 201);
      assert.equal(res.body.name, 'Billing App');
      assert.deepEqual(res.body.types, [CODE, 'client_credentials_grant']);
      assert.deepEqual(res.body.redirect, ['https://billing.example.com/cb', 'http://127.0.0.1/cb']);
      assert.equal(res.body.confidential, true);
      assert.equal(res.body.trusted, false);
      assert.match(res.body.secret, /^kg_cs_[0-9A-Za-z]{49}$/);
      assert.match(res.body.id, /^[0-9a-f-]{36}$/);
      assert.match(res.body.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.equal(res.body.created_by, server.admin.id);

      const read = await api('GET', `/oauth/clients/${res.body.id}`, admin);
      assert.equal(read.status, 200);
      assert.equal(read.body.secret, undefined);
      const list = await api('GET', '/oauth/clients?filter=billing', admin);
      assert.equal(list.body.data.length, 1);
      assert.equal(list.body.data[0].secret, undefined);
      assert.ok(!JSON.stringify(list.body).includes('kg_cs_'));
      assert.ok(server.ctx.clients.secretMatches((await server.ctx.clients.findById(res.body.id))!, res.body.secret));
    });

    it('a public client gets no secret and may hold only the authorization code grant', async () => {
      const ok = await create({ name: 'SPA', types: [CODE], redirect: ['http://localhost:3000/callback'], confidential: false });
      assert.equal(ok.status, 201);
      assert.equal(ok.body.confidential, false);
      assert.equal(ok.body.secret, undefined);
      const bad = await create({ name: 'SPA 2', types: [CODE, 'password_client'], redirect: 'https://a.example/cb', confidential: false });
      assert.equal(bad.status, 422);
      assert.deepEqual(bad.body.errors.confidential, ['A public client (no secret) may only use the Authorization Code Grant and the Device Authorization Grant.']);
      const regen = await api('POST', `/oauth/clients/${ok.body.id}/secret`, admin, {});
      assert.equal(regen.status, 422);
    });

    it('answers 422 with the documented messages for every validation rule', async () => {
      const cases: Array<[unknown, string, string]> = [
        [{ types: ['password_client'] }, 'name', 'The Name field is required.'],
        [{ name: '   ', types: ['password_client'] }, 'name', 'The Name field is required.'],
        [{ name: { first: 'x' }, types: ['password_client'] }, 'name', 'The Name field must be a string.'],
        [{ name: 'x'.repeat(256), types: ['password_client'] }, 'name', 'The Name may not be greater than 255 characters.'],
        [{ name: 'billing app', types: ['password_client'] }, 'name', 'The Name has already been taken.'],
        [{ name: 'No types' }, 'types', 'Choose at least one grant type.'],
        [{ name: 'No types', types: [] }, 'types', 'Choose at least one grant type.'],
        [{ name: 'Bad type', types: ['implicit'] }, 'types', 'The Grant types must be among authorization_code_grant, password_client, personal_access_client, client_credentials_grant, device_code_grant.'],
        [{ name: 'No redirect', types: [CODE] }, 'redirect', 'The Redirect field is required.'],
        [{ name: 'Blank redirect', types: [CODE], redirect: ' , ' }, 'redirect', 'The Redirect field is required.'],
        [{ name: 'Relative', types: [CODE], redirect: '/callback' }, 'redirect', 'The Redirect field must be a valid URL.'],
        [{ name: 'Garbage', types: [CODE], redirect: 'not a url' }, 'redirect', 'The Redirect field must be a valid URL.'],
        [{ name: 'Wrong type', types: [CODE], redirect: 7 }, 'redirect', 'The Redirect field must be a valid URL.'],
        [{ name: 'Plain http', types: [CODE], redirect: 'http://app.example.com/cb' }, 'redirect', 'The Redirect URL must use https (http is allowed only for localhost, 127.0.0.1 and [::1]).'],
        [{ name: 'Custom scheme', types: [CODE], redirect: 'myapp://cb' }, 'redirect', 'The Redirect URL must use https (http is allowed only for localhost, 127.0.0.1 and [::1]).'],
        [{ name: 'Fragment', types: [CODE], redirect: 'https://app.example.com/cb#x' }, 'redirect', 'The Redirect URL must not contain a fragment (#).'],
        [{ name: 'Flag', types: ['password_client'], confidential: 'maybe' }, 'confidential', 'The Confidential field must be true or false.'],
        [{ name: 'Perms', types: ['client_credentials_grant'], permissions: ['fly'] }, 'permissions', 'The selected Permissions are invalid.'],
      ];
      for (const [body, field, message] of cases) {
        const res = await create(body);
        assert.equal(res.status, 422, JSON.stringify(body));
        assert.deepEqual(res.body.errors[field], [message], JSON.stringify(body));
        assert.equal(typeof res.body.message, 'string');
      }
      const several = await create({ name: '', types: [] });
      assert.equal(several.status, 422);
      assert.deepEqual(Object.keys(several.body.errors).sort(), ['name', 'types']);
      assert.match(several.body.message, /^The Name field is required\. \(and 1 more error\)$/);
      for (const raw of ['[]', 'null', '"x"', '{']) {
        const res = await fetch(`${server.baseUrl}/api/1.0/oauth/clients`, { method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: raw });
        assert.ok(res.status === 422 || res.status === 400, `${raw} → ${res.status}`);
      }
      const loopbacks = await create({ name: 'Loopbacks', types: [CODE], redirect: ['http://localhost/cb', 'http://127.0.0.1:8000/cb', 'http://[::1]/cb'] });
      assert.equal(loopbacks.status, 201);
    });

    it('keeps names unique under concurrent creates (one wins, the rest get 422)', async () => {
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => create({ name: i % 2 ? 'Race' : ' race ', types: ['password_client'] })));
      assert.equal(results.filter((r) => r.status === 201).length, 1);
      for (const r of results.filter((x) => x.status !== 201)) assert.deepEqual(r.body.errors.name, ['The Name has already been taken.']);
    });

    it('checks each action’s permission: allowed with it, 403 without, 401 without a token', async () => {
      const target = (await create({ name: 'Perm target', types: ['password_client'] })).body;
      const tokens: Record<string, string> = {};
      for (const perm of ['view-auth_clients', 'create-auth_clients', 'edit-auth_clients', 'delete-auth_clients']) {
        const user = await createUser(server.ctx, { username: `u-${perm}`, permissions: [perm] });
        tokens[perm] = await mintToken(server.ctx, { userId: user.id });
      }
      const none = await createUser(server.ctx, { username: 'nobody' });
      const nobody = await mintToken(server.ctx, { userId: none.id });
      const body = { name: 'Made by creator', types: ['password_client'] };
      const actions: Array<[string, (t: string) => Promise<{ status: number }>, number]> = [
        ['view-auth_clients', (t) => api('GET', '/oauth/clients', t), 200],
        ['view-auth_clients', (t) => api('GET', `/oauth/clients/${target.id}`, t), 200],
        ['create-auth_clients', (t) => api('POST', '/oauth/clients', t, body), 201],
        ['edit-auth_clients', (t) => api('PUT', `/oauth/clients/${target.id}`, t, { name: 'Perm target', types: ['password_client', 'personal_access_client'] }), 200],
        ['edit-auth_clients', (t) => api('POST', `/oauth/clients/${target.id}/secret`, t, {}), 200],
        ['delete-auth_clients', (t) => api('DELETE', `/oauth/clients/${target.id}`, t), 204],
      ];
      for (const [perm, call, okStatus] of actions) {
        for (const [other, token] of Object.entries(tokens)) {
          if (other === perm) continue;
          const refused = await call(token);
          assert.equal(refused.status, 403, `${other} must not do what ${perm} allows`);
        }
        assert.equal((await call(nobody)).status, 403);
        const unauth = await call('');
        assert.equal(unauth.status, 401);
        assert.equal((await api('GET', '/oauth/clients', null)).headers.get('www-authenticate'), 'Bearer realm="keygate"');
        assert.equal((await call(tokens[perm]!)).status, okStatus, perm);
      }
      const bad = await api('GET', '/oauth/clients', 'kg_at_notarealtoken');
      assert.equal(bad.status, 401);
      assert.match(bad.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
      const readOnly = await mintToken(server.ctx, { userId: server.admin.id, scopes: ['api:read'] });
      assert.equal((await api('GET', '/oauth/clients', readOnly)).status, 200);
      assert.equal((await api('POST', '/oauth/clients', readOnly, body)).status, 403);
    });

    it('only administrators may set trusted, introspect_all or permissions', async () => {
      const creator = await createUser(server.ctx, { username: 'creator2', permissions: ['create-auth_clients', 'edit-auth_clients'] });
      const t = await mintToken(server.ctx, { userId: creator.id });
      for (const extra of [{ trusted: true }, { introspect_all: true }, { permissions: ['view-auth_clients'] }]) {
        const res = await create({ name: `Sneaky ${Object.keys(extra)[0]}`, types: ['client_credentials_grant'], ...extra }, t);
        assert.equal(res.status, 403, JSON.stringify(extra));
      }
      const plain = await create({ name: 'Plain by creator', types: ['client_credentials_grant'], trusted: false }, t);
      assert.equal(plain.status, 201);
      assert.equal((await api('PUT', `/oauth/clients/${plain.body.id}`, t, { name: 'Plain by creator', types: ['client_credentials_grant'], trusted: true })).status, 403);
      const byAdmin = await api('PUT', `/oauth/clients/${plain.body.id}`, admin, {
        name: 'Plain by creator', types: ['client_credentials_grant'], trusted: true, introspect_all: true, permissions: ['view-auth_clients'],
      });
      assert.equal(byAdmin.status, 200);
      assert.equal(byAdmin.body.trusted, true);
      assert.equal(byAdmin.body.introspect_all, true);
      assert.deepEqual(byAdmin.body.permissions, ['view-auth_clients']);
      // A later edit by the non-administrator that leaves them as they are is fine.
      const keep = await api('PUT', `/oauth/clients/${plain.body.id}`, t, { name: 'Plain by creator 2', types: ['client_credentials_grant'] });
      assert.equal(keep.status, 200);
      assert.equal(keep.body.trusted, true);
      // The client acts as itself with the permission it was granted.
      const asClient = await mintToken(server.ctx, { userId: null, clientId: plain.body.id });
      assert.equal((await api('GET', '/oauth/clients', asClient)).status, 200);
      assert.equal((await api('DELETE', `/oauth/clients/${plain.body.id}`, asClient)).status, 403);
    });

    it('answers 404 for an unknown id on every route', async () => {
      const id = '00000000-0000-4000-8000-000000000000';
      assert.equal((await api('GET', `/oauth/clients/${id}`, admin)).status, 404);
      const put = await api('PUT', `/oauth/clients/${id}`, admin, { name: 'x', types: ['password_client'] });
      assert.equal(put.status, 404);
      assert.equal(put.body.message, 'Auth Client not found.');
      assert.equal((await api('DELETE', `/oauth/clients/${id}`, admin)).status, 404);
      assert.equal((await api('POST', `/oauth/clients/${id}/secret`, admin, {})).status, 404);
      assert.equal((await api('GET', `/oauth/clients/${'z'.repeat(300)}`, admin)).status < 500, true);
    });

    it('updates: validation, duplicate names, confidential fixed, redirect cleared without the code grant', async () => {
      const c = (await create({ name: 'Editable', types: [CODE], redirect: 'https://e.example/cb' })).body;
      const dup = await api('PUT', `/oauth/clients/${c.id}`, admin, { name: 'BILLING APP', types: [CODE], redirect: 'https://e.example/cb' });
      assert.deepEqual(dup.body.errors.name, ['The Name has already been taken.']);
      const noRedirect = await api('PUT', `/oauth/clients/${c.id}`, admin, { name: 'Editable', types: [CODE] });
      assert.deepEqual(noRedirect.body.errors.redirect, ['The Redirect field is required.']);
      const fixed = await api('PUT', `/oauth/clients/${c.id}`, admin, { name: 'Editable', types: [CODE], redirect: 'https://e.example/cb', confidential: false });
      assert.deepEqual(fixed.body.errors.confidential, ['The Confidential field cannot be changed after the client is created.']);
      const off = await api('PUT', `/oauth/clients/${c.id}`, admin, { name: 'Edited', types: ['password_client'], redirect: 'https://e.example/cb' });
      assert.equal(off.status, 200);
      assert.deepEqual(off.body.redirect, []);
      assert.equal(off.body.name, 'Edited');
      const same = await api('PUT', `/oauth/clients/${c.id}`, admin, { name: 'edited', types: ['password_client'] });
      assert.equal(same.status, 200, 'renaming to a different case of its own name is fine');
    });

    it('paginates, filters on name and redirect (case-insensitive substring), orders newest first or by name', async () => {
      const names = ['Zeta Filtertest', 'alpha filtertest', 'Mid FILTERTEST', 'Other'];
      for (const name of names) assert.equal((await create({ name, types: [CODE], redirect: `https://${name.split(' ')[0]!.toLowerCase()}.pagetest.example/cb` })).status, 201);
      const newest = await api('GET', '/oauth/clients?filter=FilterTest', admin);
      assert.equal(newest.status, 200);
      assert.equal(newest.body.meta.total, 3);
      assert.deepEqual(newest.body.data.map((c: { name: string }) => c.name), ['Mid FILTERTEST', 'alpha filtertest', 'Zeta Filtertest']);
      const byName = await api('GET', '/oauth/clients?filter=filtertest&order_by=name&per_page=2', admin);
      assert.deepEqual(byName.body.data.map((c: { name: string }) => c.name), ['alpha filtertest', 'Mid FILTERTEST']);
      assert.deepEqual(byName.body.meta, { total: 3, page: 1, per_page: 2 });
      const page2 = await api('GET', '/oauth/clients?filter=filtertest&order_by=name&per_page=2&page=2', admin);
      assert.deepEqual(page2.body.data.map((c: { name: string }) => c.name), ['Zeta Filtertest']);
      const beyond = await api('GET', '/oauth/clients?filter=filtertest&page=9', admin);
      assert.deepEqual(beyond.body.data, []);
      assert.equal(beyond.body.meta.total, 3);
      const byRedirect = await api('GET', '/oauth/clients?filter=other.pagetest', admin);
      assert.deepEqual(byRedirect.body.data.map((c: { name: string }) => c.name), ['Other']);
      const short = await api('GET', '/oauth/clients?filter=ze', admin);
      assert.ok(short.body.data.some((c: { name: string }) => c.name === 'Zeta Filtertest'));
      const literal = await api('GET', `/oauth/clients?filter=${encodeURIComponent('%_"')}`, admin);
      assert.equal(literal.body.meta.total, 0);
      const all = await api('GET', '/oauth/clients?per_page=100', admin);
      assert.equal(all.body.meta.total, all.body.data.length);
      for (const q of ['per_page=101', 'per_page=0', 'page=0', 'page=abc', 'order_by=secret', `filter=${'x'.repeat(201)}`]) {
        const res = await api('GET', `/oauth/clients?${q}`, admin);
        assert.equal(res.status, 422, q);
        assert.ok(res.body.errors, q);
      }
    });

    it('regenerates the secret: without grace the old one stops at once, with grace it works for that long', async () => {
      const c = (await create({ name: 'Rotating', types: ['client_credentials_grant'] })).body;
      const first = c.secret as string;
      const noGrace = await api('POST', `/oauth/clients/${c.id}/secret`, admin);
      assert.equal(noGrace.status, 200);
      const second = noGrace.body.secret as string;
      secretsSeen.push(second);
      assert.match(second, /^kg_cs_/);
      assert.notEqual(second, first);
      let stored = (await server.ctx.clients.findById(c.id))!;
      assert.equal(server.ctx.clients.secretMatches(stored, first), false);
      assert.equal(server.ctx.clients.secretMatches(stored, second), true);
      assert.equal((await api('GET', `/oauth/clients/${c.id}`, admin)).body.secret, undefined);

      const withGrace = await api('POST', `/oauth/clients/${c.id}/secret`, admin, { grace_period: 600 });
      assert.equal(withGrace.status, 200);
      const third = withGrace.body.secret as string;
      secretsSeen.push(third);
      stored = (await server.ctx.clients.findById(c.id))!;
      assert.equal(server.ctx.clients.secretMatches(stored, third), true);
      assert.equal(server.ctx.clients.secretMatches(stored, second), true, 'old secret works during the grace period');
      assert.equal(server.ctx.clients.secretMatches(stored, second, Date.now() + 601_000), false, 'and not after it');
      assert.equal(server.ctx.clients.secretMatches(stored, first), false);
      for (const grace of [86_401, -1, 'soon']) {
        const res = await api('POST', `/oauth/clients/${c.id}/secret`, admin, { grace_period: grace });
        assert.equal(res.status, 422, String(grace));
      }
    });

    it('at /oauth/token: a rotated secret stops at once without grace, keeps working with it; delete refuses the client’s tokens', async () => {
      const tokenWith = (id: string, secret: string) =>
        fetch(`${server.baseUrl}/oauth/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}` },
          body: 'grant_type=client_credentials&scope=api',
        }).then(async (r) => ({ status: r.status, body: (await r.json()) as { access_token?: string; error?: string } }));
      const c = (await create({ name: 'Token client', types: ['client_credentials_grant'], permissions: ['view-auth_clients'] })).body;
      const first = c.secret as string;
      assert.equal((await tokenWith(c.id, first)).status, 200);
      const second = (await api('POST', `/oauth/clients/${c.id}/secret`, admin, { grace_period: 0 })).body.secret as string;
      secretsSeen.push(second);
      const refused = await tokenWith(c.id, first);
      assert.equal(refused.status, 401);
      assert.equal(refused.body.error, 'invalid_client');
      assert.equal((await tokenWith(c.id, second)).status, 200);
      const third = (await api('POST', `/oauth/clients/${c.id}/secret`, admin, { grace_period: 300 })).body.secret as string;
      secretsSeen.push(third);
      assert.equal((await tokenWith(c.id, second)).status, 200, 'the old secret works during the grace period');
      const issued = await tokenWith(c.id, third);
      assert.equal(issued.status, 200);
      const token = issued.body.access_token!;
      assert.equal((await api('GET', '/oauth/clients', token)).status, 200, 'the client acts with its granted permission');
      assert.equal((await api('DELETE', `/oauth/clients/${c.id}`, admin)).status, 204);
      const after = await api('GET', '/oauth/clients', token);
      assert.equal(after.status, 401);
      assert.equal((await tokenWith(c.id, third)).status, 401);
    });

    it('delete ends every token issued to the client at once (cache included) and answers 204', async () => {
      const c = (await create({ name: 'Doomed', types: ['client_credentials_grant', 'password_client'] })).body;
      const token = await mintToken(server.ctx, { userId: server.admin.id, clientId: c.id });
      await server.ctx.tokens.insertToken({
        tokenHash: hashSecret(issueSecret('accessToken')), kind: 'access_token', prefix: 'kg_at_xxxx', clientId: c.id, userId: null,
        scopes: ['api'], origin: 'client_credentials', createdAt: Date.now(), expiresAt: Date.now() - 1000,
      });
      // Twice: the second answer may come from the token-check cache.
      assert.equal((await api('GET', '/users/me', token)).status, 200);
      assert.equal((await api('GET', '/users/me', token)).status, 200);
      const listed = await api('GET', '/oauth/clients?filter=doomed', admin);
      assert.equal(listed.body.data[0].active_tokens, 1, 'the expired token does not count');
      const del = await api('DELETE', `/oauth/clients/${c.id}`, admin);
      assert.equal(del.status, 204);
      const after = await api('GET', '/users/me', token);
      assert.equal(after.status, 401);
      assert.match(after.headers.get('www-authenticate') ?? '', /invalid_token/);
      assert.equal((await api('GET', `/oauth/clients/${c.id}`, admin)).status, 404);
      assert.equal((await api('DELETE', `/oauth/clients/${c.id}`, admin)).status, 404);
    });

    it('accepts the console session with X-CSRF-Token, and refuses a write without it', async () => {
      const web = new WebClient(server.baseUrl);
      await web.login('admin', server.admin.password);
      const list = await web.get('/api/1.0/oauth/clients');
      assert.equal(list.status, 200);
      const noCsrf = await web.json('POST', '/api/1.0/oauth/clients', { name: 'Via session', types: ['password_client'] });
      assert.equal(noCsrf.status, 403);
      const csrf = await web.csrfToken('/admin/auth-clients');
      const ok = await web.json('POST', '/api/1.0/oauth/clients', { name: 'Via session', types: ['password_client'] }, { 'x-csrf-token': csrf });
      assert.equal(ok.status, 201);
      secretsSeen.push(ok.json().secret);
    });

    it('records the client events in the audit log with the actor and never a secret', async () => {
      const res = await api('GET', '/audit?per_page=100', admin);
      assert.equal(res.status, 200);
      const types = new Set(res.body.data.map((e: { type: string }) => e.type));
      for (const t of ['client.created', 'client.updated', 'client.deleted', 'client.secret_regenerated']) assert.ok(types.has(t), t);
      const text = JSON.stringify(res.body);
      for (const secret of secretsSeen) assert.ok(!text.includes(secret));
      const updated = res.body.data.find((e: { type: string; details: { name: string } }) => e.type === 'client.updated' && e.details.name === 'Edited');
      assert.deepEqual(updated.details.changed.sort(), ['name', 'redirect', 'types']);
      assert.equal(updated.actor.name, 'admin');
    });
  });
}
