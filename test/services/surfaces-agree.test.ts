/**
 * Every surface reaches the same service, so every rule holds on each, over real HTTP (and the real
 * CLI process) on SQLite and PostgreSQL:
 * - the privilege escalation is closed: a user holding only edit-auth_clients gets 403 from the API
 *   and a refusal page from the console when changing the redirect URLs, grant types or secret of
 *   a trusted, introspect-all or permissioned client — and the client is left as it was;
 * - the same table of (client, change) cases gives the same decision through the API and the console;
 * - after an administrator changes a client's redirect URLs, a user who had consented is asked again;
 * - one operation audited from the API, the console and the CLI has one detail shape.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CLI_ACTOR } from '../../src/services/actor.js';
import { createClient, createUser, startServer, type TestServer } from '../helpers/app.js';
import { WebClient } from '../helpers/http.js';
import { mintToken } from '../helpers/mint-token.js';
import { CLI, run } from '../helpers/spawn.js';
import { storeKinds } from '../helpers/stores.js';
import { authorize, authorizePath, obtainCode, redirectParams } from '../http/oauth-helpers.js';

type Target = 'trusted' | 'introspector' | 'permissioned' | 'plain';
type Change = 'rename' | 'redirect' | 'types' | 'secret' | 'trust';

/** (client, change) → may a user holding only edit-auth_clients do it? */
const TABLE: Array<[Target, Change, boolean]> = [
  ['trusted', 'redirect', false],
  ['trusted', 'secret', false],
  ['trusted', 'rename', true],
  ['introspector', 'types', false],
  ['introspector', 'secret', false],
  ['permissioned', 'secret', false],
  ['permissioned', 'types', false],
  ['plain', 'redirect', true],
  ['plain', 'types', true],
  ['plain', 'secret', true],
  ['plain', 'trust', false],
];

const EVIL = 'https://evil.example/steal';

for (const kind of storeKinds()) {
  describe(`surfaces agree on every rule [${kind}]`, () => {
    let server: TestServer;
    let adminToken: string;
    let eveToken: string;
    let eveWeb: WebClient;
    const ids: Record<Target, string> = { trusted: '', introspector: '', permissioned: '', plain: '' };

    const api = async (method: string, path: string, token: string, body?: unknown) => {
      const res = await fetch(`${server.baseUrl}/api/1.0${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : null };
    };
    const get = async (id: string) => (await api('GET', `/oauth/clients/${id}`, adminToken)).body as { name: string; types: string[]; redirect: string[]; trusted: boolean };

    /** The client's settings after `change`, as a full PUT body / console form. */
    const changed = async (id: string, change: Change) => {
      const c = await get(id);
      const body = { name: c.name, types: [...c.types], redirect: [...c.redirect] };
      if (change === 'rename') body.name = `${c.name} (renamed)`;
      if (change === 'redirect') body.redirect = [...c.redirect, EVIL];
      if (change === 'types') body.types = [...c.types, 'password_client'];
      return { ...body, ...(change === 'trust' ? { trusted: true } : {}) };
    };

    const viaApi = async (id: string, change: Change): Promise<boolean> => {
      const res = change === 'secret' ? await api('POST', `/oauth/clients/${id}/secret`, eveToken, {}) : await api('PUT', `/oauth/clients/${id}`, eveToken, await changed(id, change));
      assert.ok(res.status === 200 || res.status === 403, `API answered ${res.status}: ${JSON.stringify(res.body)}`);
      return res.status === 200;
    };

    const viaConsole = async (id: string, change: Change): Promise<boolean> => {
      const form = await eveWeb.get(`/admin/auth-clients/${id}/edit`);
      assert.equal(form.status, 200);
      const _csrf = WebClient.csrfFrom(form.text);
      if (change === 'secret') {
        const res = await eveWeb.postForm(`/admin/auth-clients/${id}/secret`, { _csrf, grace_period: '0' });
        assert.ok(res.status === 303 || res.status === 403, `console answered ${res.status}`);
        if (res.status === 403) assert.match(res.text, /Not allowed/);
        return res.status === 303;
      }
      const body = await changed(id, change);
      const fields: Record<string, string | string[]> = { _csrf, name: body.name, types: body.types, redirect: body.redirect.join('\n') };
      // The console shows the trust checkbox to administrators only; a forged form still sends it.
      if (change === 'trust') fields.trusted = '1';
      // Confirmed: the console's own question (tokens that end) is not what this table tests.
      const res = await eveWeb.postForm(`/admin/auth-clients/${id}`, { ...fields, confirmed: '1' });
      assert.ok(res.status === 303 || res.status === 403, `console answered ${res.status}: ${res.text.slice(0, 300)}`);
      if (res.status === 403) assert.match(res.text, /Not allowed/);
      return res.status === 303;
    };

    const seed = async () => {
      ids.trusted = (await createClient(server.ctx, { name: `Trusted ${Math.random()}`, types: ['authorization_code_grant'], redirect: ['https://trusted.example/cb'], trusted: true })).client.id;
      ids.introspector = (await createClient(server.ctx, { name: `Resource server ${Math.random()}`, types: ['client_credentials_grant'], introspectAll: true })).client.id;
      ids.permissioned = (await createClient(server.ctx, { name: `Machine ${Math.random()}`, types: ['client_credentials_grant'], permissions: ['view-auth_clients'] })).client.id;
      ids.plain = (await createClient(server.ctx, { name: `Plain ${Math.random()}`, types: ['authorization_code_grant'], redirect: ['https://plain.example/cb'] })).client.id;
    };

    before(async () => {
      server = await startServer(kind);
      adminToken = await mintToken(server.ctx, { userId: server.admin.id });
      // The user of the report: may edit Auth Clients, nothing else.
      const eve = await createUser(server.ctx, { username: 'eve', permissions: ['edit-auth_clients'] });
      eveToken = await mintToken(server.ctx, { userId: eve.id });
      eveWeb = new WebClient(server.baseUrl);
      await eveWeb.login('eve', eve.password);
    });
    after(() => server?.close());

    it('closes the escalation: no new redirect URL or secret on a trusted, introspect-all or permissioned client (API and console)', async () => {
      await seed();
      for (const surface of [viaApi, viaConsole]) {
        const before = await get(ids.trusted);
        assert.equal(await surface(ids.trusted, 'redirect'), false);
        assert.deepEqual((await get(ids.trusted)).redirect, before.redirect, 'nothing stored');
        assert.equal(await surface(ids.permissioned, 'secret'), false);
      }
      // The secret the client holds still works, so nothing was rotated behind its back.
      const audit = await server.ctx.services.auditLog.list(CLI_ACTOR, { page: 1, perPage: 50, type: 'client.secret_regenerated' });
      assert.equal(audit.data.length, 0);
    });

    it('gives the same decision through the API and the console for every (client, change) case', async () => {
      for (const [target, change, allowed] of TABLE) {
        for (const [name, surface] of [['API', viaApi], ['console', viaConsole]] as const) {
          await seed();
          assert.equal(await surface(ids[target], change), allowed, `${name}: ${change} on the ${target} client`);
        }
      }
    });

    it('asks for consent again after an administrator changes the redirect URLs', async () => {
      const app = (await createClient(server.ctx, { name: `Consented ${kind}`, types: ['authorization_code_grant'], redirect: ['https://consented.example/cb'] })).client;
      const carol = await createUser(server.ctx, { username: `carol-${kind}` });
      const web = new WebClient(server.baseUrl);
      await web.login(carol.username, carol.password);
      const testClient = { id: app.id, secret: null, redirect: app.redirect };
      await obtainCode(web, testClient, { redirectUri: 'https://consented.example/cb' });
      const params = { response_type: 'code', client_id: app.id, redirect_uri: 'https://consented.example/cb', state: 's' };
      const remembered = await web.get(authorizePath(params));
      assert.equal(remembered.status, 303, 'consent remembered before the change');
      assert.ok(redirectParams(remembered).get('code'));

      const put = await api('PUT', `/oauth/clients/${app.id}`, adminToken, { name: app.name, types: app.types, redirect: ['https://consented.example/cb', 'https://consented.example/other'] });
      assert.equal(put.status, 200);
      const asked = await web.get(authorizePath(params));
      assert.equal(asked.status, 200, 'the consent page, not a code');
      assert.match(asked.text, />Authorize</);
      // Consenting again works as before.
      const again = await authorize(web, params);
      assert.ok(redirectParams(again).get('code'));
    });

    it('audits one operation with one detail shape, whatever the surface (API, console, CLI)', async () => {
      const shape = (details: Record<string, unknown>) =>
        Object.fromEntries(Object.entries(details).map(([k, v]) => [k, Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v]).sort((x, y) => String(x[0]).localeCompare(String(y[0]))));
      const lastOf = async (type: string, subjectId: string) => {
        const events = await server.ctx.services.auditLog.list(CLI_ACTOR, { page: 1, perPage: 100, type });
        const event = events.data.find((e) => e.subjectId === subjectId);
        assert.ok(event, `${type} for ${subjectId}`);
        return event;
      };
      // client.created
      const byApi = (await api('POST', '/oauth/clients', adminToken, { name: `Shape API ${kind}`, types: ['client_credentials_grant'] })).body as { id: string };
      const adminWeb = new WebClient(server.baseUrl);
      await adminWeb.login('admin', server.admin.password);
      const form = await adminWeb.get('/admin/auth-clients/new');
      const made = await adminWeb.postForm('/admin/auth-clients', { _csrf: WebClient.csrfFrom(form.text), name: `Shape console ${kind}`, types: 'client_credentials_grant', redirect: '' });
      assert.equal(made.status, 303);
      const byConsole = (await server.ctx.clients.findByName(`Shape console ${kind}`))!;
      const cli = await run(CLI, ['client:create', '--name', `Shape CLI ${kind}`, '--client-credentials', '--json'], { DATABASE_URL: server.db.url });
      assert.equal(cli.code, 0, cli.stderr);
      const byCli = JSON.parse(cli.stdout) as { id: string };
      const created = await Promise.all([byApi.id, byConsole.id, byCli.id].map((id) => lastOf('client.created', id)));
      assert.deepEqual(shape(created[1]!.details), shape(created[0]!.details));
      assert.deepEqual(shape(created[2]!.details), shape(created[0]!.details));
      assert.deepEqual(created.map((e) => e.actor.name), ['admin', 'admin', 'cli']);

      // user.created
      const apiUser = (await api('POST', '/users', adminToken, { username: `shape-api-${kind}`, password: 'correct horse battery' })).body as { id: string };
      const newUser = await adminWeb.get('/admin/users/new');
      await adminWeb.postForm('/admin/users', { _csrf: WebClient.csrfFrom(newUser.text), username: `shape-console-${kind}`, password: 'correct horse battery' });
      const consoleUser = (await server.ctx.users.findByUsername(`shape-console-${kind}`))!;
      const cliUser = await run(CLI, ['user:create', '--username', `shape-cli-${kind}`, '--password', 'correct horse battery', '--json'], { DATABASE_URL: server.db.url });
      assert.equal(cliUser.code, 0, cliUser.stderr);
      const users = await Promise.all([apiUser.id, consoleUser.id, (JSON.parse(cliUser.stdout) as { id: string }).id].map((id) => lastOf('user.created', id)));
      assert.deepEqual(shape(users[1]!.details), shape(users[0]!.details));
      assert.deepEqual(shape(users[2]!.details), shape(users[0]!.details));
    });
  });
}
