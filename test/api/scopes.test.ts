/**
 * Custom scopes end to end over real HTTP, on SQLite and PostgreSQL: the catalog through the REST
 * API (validation, administrators only, audit), the one scope rule in every grant and PAT
 * creation, the consent page, metadata and introspection, Keygate's own API still needing `api`,
 * and deleting a scope (stripped for good from clients, consents and tokens; revived by nothing).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CLI_ACTOR } from '../../src/services/actor.js';
import { apiCall } from '../helpers/api-call.js';
import { createUser, issuePat, startServer, type TestServer } from '../helpers/app.js';
import { WebClient } from '../helpers/http.js';
import { mintToken } from '../helpers/mint-token.js';
import { storeKinds } from '../helpers/stores.js';
import { authorize, basicHeader, oauthPost, obtainCode, pkcePair, redirectParams, type TestClient } from '../http/oauth-helpers.js';

for (const kind of storeKinds()) {
  describe(`custom scopes [${kind}]`, () => {
    let server: TestServer;
    let admin: string;
    let userToken: string;
    let alice: { id: string; username: string; password: string };
    const api = (method: string, path: string, token: string, body?: unknown) => apiCall(server.baseUrl, method, path, token, body);
    const client = async (name: string, types: string[], scopes: string[], redirect: string[] = []): Promise<TestClient> => {
      const { client: c, secret } = await server.ctx.services.clients.create(CLI_ACTOR, { name, types, scopes, redirect, confidential: true });
      return { id: c.id, secret, redirect: c.redirect };
    };
    const cc = (c: TestClient, scope?: string) => oauthPost(server.baseUrl, '/oauth/token', { grant_type: 'client_credentials', ...(scope !== undefined ? { scope } : {}) }, { basic: c });
    const introspect = async (token: string) => {
      const rs = await client(`RS ${Math.random()}`, ['client_credentials_grant'], ['api']);
      await server.ctx.services.clients.update(CLI_ACTOR, rs.id, { name: `RS ${rs.id}`, types: ['client_credentials_grant'], introspect_all: true });
      return (await oauthPost(server.baseUrl, '/oauth/introspect', { token }, { basic: rs })).body;
    };

    before(async () => {
      server = await startServer(kind);
      admin = await mintToken(server.ctx, { userId: server.admin.id });
      alice = await createUser(server.ctx, { username: 'alice', password: 'alice-password-1' });
      userToken = await mintToken(server.ctx, { userId: alice.id });
    });
    after(() => server?.close());

    it('administrators create, describe and delete scopes; anyone with a user token lists them', async () => {
      const created = await api('POST', '/scopes', admin, { name: 'orders:read', description: 'Read your orders' });
      assert.equal(created.status, 201);
      assert.equal(created.body.name, 'orders:read');
      assert.match(created.body.created_at, /Z$/);
      assert.equal((await api('POST', '/scopes', admin, { name: 'orders:write', description: 'Change your orders' })).status, 201);
      const list = await api('GET', '/scopes', userToken);
      assert.equal(list.status, 200);
      assert.deepEqual(list.body.data.map((s: { name: string }) => s.name), ['orders:read', 'orders:write']);
      const put = await api('PUT', '/scopes/orders:read', admin, { description: 'Read your orders and invoices' });
      assert.equal(put.status, 200);
      assert.equal(put.body.description, 'Read your orders and invoices');
      assert.equal((await api('PUT', '/scopes/orders:read', admin, { name: 'x', description: 'y' })).status, 422, 'the name never changes');
      assert.equal((await api('POST', '/scopes', userToken, { name: 'nope', description: 'x' })).status, 403);
      assert.equal((await api('DELETE', '/scopes/orders:read', userToken)).status, 403);
      assert.equal((await api('PUT', '/scopes/missing', admin, { description: 'x' })).status, 404);
      assert.equal((await api('DELETE', '/scopes/missing', admin)).status, 404);
      const audit = await api('GET', '/audit?type=scope.created', admin);
      assert.ok(audit.body.data.some((e: { subject_id: string }) => e.subject_id === 'orders:write'));
    });

    it('names outside RFC 6749 §3.3, over 64 characters, reserved or taken are 422 field errors', async () => {
      for (const name of ['has space', 'quo"te', 'back\\slash', 'x'.repeat(65), '', 'api', 'api:read', 'orders:read', 'é']) {
        const res = await api('POST', '/scopes', admin, { name, description: 'd' });
        assert.equal(res.status, 422, name);
        assert.ok(res.body.errors.name, name);
      }
      assert.equal((await api('POST', '/scopes', admin, { name: 'x'.repeat(64), description: 'd' })).status, 201);
      assert.ok((await api('POST', '/scopes', admin, { name: 'ok:name', description: '' })).body.errors.description);
      assert.ok((await api('POST', '/scopes', admin, { name: 42, description: 'd' })).body.errors.name);
    });

    it('grants give custom scopes only to clients allowed them; none requested: api, else every allowed scope', async () => {
      const shop = await client('Shop backend', ['client_credentials_grant'], ['api', 'orders:read']);
      const ok = await cc(shop, 'orders:read');
      assert.equal(ok.status, 200);
      assert.equal(ok.body.scope, 'orders:read');
      assert.equal((await cc(shop)).body.scope, 'api');
      for (const scope of ['orders:write', 'billing', 'api:read', 'bad"scope']) {
        const refused = await cc(shop, scope);
        assert.equal(refused.status, 400, scope);
        assert.equal(refused.body.error, 'invalid_scope', scope);
      }
      const narrow = await client('Narrow', ['client_credentials_grant'], ['orders:read', 'orders:write']);
      assert.equal((await cc(narrow)).body.scope, 'orders:read orders:write');
      // A token with only a custom scope is refused by Keygate's own API (403 insufficient_scope).
      const only = (await cc(shop, 'orders:read')).body.access_token;
      const own = await api('GET', '/scopes', only);
      assert.equal(own.status, 403);
      assert.match(own.headers.get('www-authenticate') ?? '', /insufficient_scope/);
      // Introspection reports the custom scope.
      const info = await introspect(only);
      assert.equal(info.active, true);
      assert.equal(info.scope, 'orders:read');
    });

    it('the password and refresh grants: custom scopes, refresh narrows the original grant only', async () => {
      const desk = await client('Desk', ['password_client'], ['api', 'orders:read', 'orders:write']);
      const pw = await oauthPost(server.baseUrl, '/oauth/token', { grant_type: 'password', username: 'alice', password: alice.password, scope: 'orders:read orders:write' }, { basic: desk });
      assert.equal(pw.status, 200, JSON.stringify(pw.body));
      assert.equal(pw.body.scope, 'orders:read orders:write');
      const refreshed = await oauthPost(server.baseUrl, '/oauth/token', { grant_type: 'refresh_token', refresh_token: pw.body.refresh_token, scope: 'orders:read' }, { basic: desk });
      assert.equal(refreshed.status, 200);
      assert.equal(refreshed.body.scope, 'orders:read');
      const wider = await oauthPost(server.baseUrl, '/oauth/token', { grant_type: 'refresh_token', refresh_token: refreshed.body.refresh_token, scope: 'api' }, { basic: desk });
      assert.equal(wider.body.error, 'invalid_scope');
      const refused = await oauthPost(server.baseUrl, '/oauth/token', { grant_type: 'password', username: 'alice', password: alice.password, scope: 'billing' }, { basic: desk });
      assert.equal(refused.body.error, 'invalid_scope');
    });

    it('authorize: the consent page describes each scope, marks the new ones, and asks again for more', async () => {
      const web = new WebClient(server.baseUrl);
      await web.login('alice', alice.password);
      const app = await client('Orders app', ['authorization_code_grant'], ['api', 'orders:read', 'orders:write'], ['https://orders.example/cb']);
      const { verifier, challenge } = pkcePair();
      const params = { response_type: 'code', client_id: app.id, redirect_uri: app.redirect[0]!, state: 's', code_challenge: challenge, code_challenge_method: 'S256' };
      const first = await web.get(`/oauth/authorize?${new URLSearchParams({ ...params, scope: 'orders:read' })}`);
      assert.equal(first.status, 200);
      assert.match(first.text, /orders:read<\/span> — Read your orders and invoices/);
      const code = await obtainCode(web, app, { scope: 'orders:read', challenge });
      const tokens = await oauthPost(server.baseUrl, '/oauth/token', { grant_type: 'authorization_code', code, redirect_uri: app.redirect[0]!, code_verifier: verifier }, { basic: app });
      assert.equal(tokens.body.scope, 'orders:read');
      // Remembered: no page for the same scope; the page again, with New on orders:write, for more.
      const again = await web.get(`/oauth/authorize?${new URLSearchParams({ ...params, scope: 'orders:read' })}`);
      assert.equal(again.status, 303);
      const more = await web.get(`/oauth/authorize?${new URLSearchParams({ ...params, scope: 'orders:read orders:write' })}`);
      assert.equal(more.status, 200);
      assert.match(more.text, /orders:write<\/span> — Change your orders <span class="badge badge-orange scope-new">New<\/span>/);
      assert.doesNotMatch(more.text, /orders:read<\/span> — [^<]*<span class="badge/);
      const refused = await authorize(web, { ...params, scope: 'billing' });
      assert.equal(redirectParams(refused).get('error'), 'invalid_scope');
    });

    it('metadata lists built-in and custom scopes; PATs may carry custom scopes their client allows', async () => {
      const meta = (await (await fetch(`${server.baseUrl}/.well-known/oauth-authorization-server`)).json()) as { scopes_supported: string[] };
      assert.deepEqual(meta.scopes_supported.slice(0, 2), ['api', 'api:read']);
      assert.ok(meta.scopes_supported.includes('orders:read'));
      const patClient = (await server.ctx.clients.findByName('Personal Access Client'))!;
      await assert.rejects(issuePat(server.ctx, alice.id, { name: 'custom', scopes: ['orders:read'] }), /not one this client may request/);
      await server.ctx.services.clients.update(CLI_ACTOR, patClient.id, { name: patClient.name, types: patClient.types, scopes: ['api', 'api:read', 'orders:read'] });
      const pat = await issuePat(server.ctx, alice.id, { name: 'custom', scopes: ['orders:read'] });
      assert.equal((await introspect(pat.token)).scope, 'orders:read');
      const res = await api('POST', `/users/${alice.id}/tokens`, userToken, { name: 'bad', scopes: ['billing'] });
      assert.equal(res.status, 422);
      assert.ok(res.body.errors.scopes);
    });

    it('only administrators give a client a custom scope', async () => {
      const erin = await createUser(server.ctx, { username: 'erin', permissions: ['create-auth_clients', 'view-auth_clients', 'edit-auth_clients'] });
      const editor = await mintToken(server.ctx, { userId: erin.id });
      const res = await api('POST', '/oauth/clients', editor, { name: 'Erin app', types: ['client_credentials_grant'], scopes: ['api', 'orders:read'] });
      assert.equal(res.status, 403);
      assert.equal((await api('POST', '/oauth/clients', editor, { name: 'Erin app', types: ['client_credentials_grant'], scopes: ['api:read'] })).status, 201);
    });

    it('deleting a scope strips it for good from clients, consents and tokens; a token left with none is revoked', async () => {
      await api('POST', '/scopes', admin, { name: 'reports', description: 'See reports' });
      const rep = await client('Reports', ['client_credentials_grant'], ['api', 'reports']);
      const both = (await cc(rep, 'api reports')).body.access_token;
      const only = (await cc(rep, 'reports')).body.access_token;
      assert.equal((await introspect(only)).active, true, 'cached before the delete');
      const del = await api('DELETE', '/scopes/reports', admin);
      assert.equal(del.status, 204);
      assert.deepEqual((await api('GET', `/oauth/clients/${rep.id}`, admin)).body.scopes, ['api']);
      assert.equal((await introspect(only)).active, false, 'left with no scope: revoked');
      const left = await introspect(both);
      assert.equal(left.active, true);
      assert.equal(left.scope, 'api');
      assert.equal((await cc(rep, 'reports')).body.error, 'invalid_scope');
      const audit = await api('GET', '/audit?type=scope.deleted', admin);
      assert.deepEqual(audit.body.data[0].details, { clients: 1, consents: 0, tokens: 2, tokens_revoked: 1 });
      // Created again: nothing comes back.
      await api('POST', '/scopes', admin, { name: 'reports', description: 'See reports again' });
      assert.deepEqual((await api('GET', `/oauth/clients/${rep.id}`, admin)).body.scopes, ['api']);
      assert.equal((await introspect(only)).active, false);
      assert.equal((await introspect(both)).scope, 'api');
      assert.equal((await cc(rep, 'reports')).body.error, 'invalid_scope');
      assert.equal(basicHeader('a', 'b').startsWith('Basic'), true);
    });
  });
}
