/** GET /api/1.0/audit over real HTTP: administrators only, newest first, paginated, filtered by type. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createClient, createUser, startServer, type TestServer } from '../helpers/app.js';
import { WebClient } from '../helpers/http.js';
import { mintToken } from '../helpers/mint-token.js';
import { storeKinds } from '../helpers/stores.js';

for (const kind of storeKinds()) {
  describe(`audit API [${kind}]`, () => {
    let server: TestServer;
    let admin: string;
    const get = (path: string, token: string | null) =>
      fetch(`${server.baseUrl}/api/1.0${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} }).then(async (r) => ({
        status: r.status,
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        body: (await r.json()) as any,
      }));
    const send = (method: string, path: string, body?: unknown) =>
      fetch(`${server.baseUrl}/api/1.0${path}`, {
        method,
        headers: { authorization: `Bearer ${admin}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      }).then(async (r) => (r.status === 204 ? null : await r.json()) as { id: string; secret?: string } | null);

    before(async () => {
      server = await startServer(kind);
      admin = await mintToken(server.ctx, { userId: server.admin.id });
    });
    after(() => server?.close());

    it('records created, updated, secret regenerated and deleted with actor, subject and changed fields', async () => {
      const created = (await send('POST', '/oauth/clients', { name: 'Audited', types: ['client_credentials_grant'] }))!;
      await send('PUT', `/oauth/clients/${created.id}`, { name: 'Audited 2', types: ['client_credentials_grant', 'password_client'] });
      const regen = (await send('POST', `/oauth/clients/${created.id}/secret`, { grace_period: 60 }))!;
      await send('DELETE', `/oauth/clients/${created.id}`);

      const res = await get('/audit?per_page=4', admin);
      assert.equal(res.status, 200);
      assert.deepEqual(res.body.meta, { total: res.body.meta.total, page: 1, per_page: 4 });
      assert.deepEqual(res.body.data.map((e: { type: string }) => e.type), ['client.deleted', 'client.secret_regenerated', 'client.updated', 'client.created']);
      for (const e of res.body.data) {
        assert.deepEqual(e.actor, { id: server.admin.id, name: 'admin' });
        assert.equal(e.subject_type, 'client');
        assert.equal(e.subject_id, created.id);
        assert.match(e.created_at, /Z$/);
      }
      const [deleted, regenerated, updated, createdEvent] = res.body.data;
      assert.deepEqual(updated.details, { name: 'Audited 2', changed: ['name', 'types'], values: { name: 'Audited 2', types: ['password_client', 'client_credentials_grant'] } });
      assert.equal(regenerated.details.grace_period, 60);
      assert.equal(deleted.details.name, 'Audited 2');
      assert.equal(createdEvent.details.confidential, true);
      const text = JSON.stringify(res.body);
      assert.ok(!text.includes(created.secret!) && !text.includes(regen.secret!) && !text.includes('kg_cs_'), 'no secret in the audit log');
    });

    it('filters by type and paginates newest first', async () => {
      for (let i = 0; i < 3; i++) await send('POST', '/oauth/clients', { name: `Paged ${i}`, types: ['password_client'] });
      const first = await get('/audit?type=client.created&per_page=2', admin);
      // The three, "Audited", and the Personal Access Client first start created (audited too).
      assert.equal(first.body.meta.total, 5);
      assert.deepEqual(first.body.data.map((e: { details: { name: string } }) => e.details.name), ['Paged 2', 'Paged 1']);
      const second = await get('/audit?type=client.created&per_page=2&page=2', admin);
      assert.deepEqual(second.body.data.map((e: { details: { name: string } }) => e.details.name), ['Paged 0', 'Audited']);
      assert.ok(second.body.data.every((e: { type: string }) => e.type === 'client.created'));
      const none = await get('/audit?type=nothing.here', admin);
      assert.deepEqual(none.body, { data: [], meta: { total: 0, page: 1, per_page: 15 } });
      for (const q of ['per_page=101', 'page=0', `type=${'x'.repeat(101)}`]) assert.equal((await get(`/audit?${q}`, admin)).status, 422, q);
      // Found by the fuzzer: a number too large for a double became Infinity and reached the store (500).
      for (const q of ['page=1e309', 'per_page=1e309']) {
        const res = await get(`/audit?${q}`, admin);
        assert.equal(res.status, 422, q);
        assert.match(res.body.message, /must be a finite number/);
      }
    });

    it('is for administrators only', async () => {
      const manager = await createUser(server.ctx, { username: 'manager', permissions: ['view-auth_clients', 'create-auth_clients', 'edit-auth_clients', 'delete-auth_clients'] });
      assert.equal((await get('/audit', await mintToken(server.ctx, { userId: manager.id }))).status, 403);
      const client = (await createClient(server.ctx, { name: 'Machine', types: ['client_credentials_grant'], permissions: ['view-auth_clients'] })).client;
      assert.equal((await get('/audit', await mintToken(server.ctx, { userId: null, clientId: client.id }))).status, 403);
      assert.equal((await get('/audit', null)).status, 401);
      const web = new WebClient(server.baseUrl);
      await web.login('admin', server.admin.password);
      assert.equal((await web.get('/api/1.0/audit')).status, 200);
      const page = await web.get('/admin/audit?type=client.created');
      assert.equal(page.status, 200);
      assert.match(page.text, /Paged 2/);
      assert.doesNotMatch(page.text, /client\.deleted<\/span>/);
    });
  });
}
