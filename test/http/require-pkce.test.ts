/**
 * Require PKCE (`require_pkce`) over real HTTP on SQLite and PostgreSQL: a confidential client
 * told to use PKCE gets an `invalid_request` error redirect (with `iss`) without a code_challenge
 * and must send the verifier; without the setting it may still leave PKCE out; public clients
 * always need it. The console's checkbox and the CLI's flags set it (with the allowed origins).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CLI_ACTOR } from '../../src/services/actor.js';
import { createUser, startServer, type TestServer } from '../helpers/app.js';
import { WebClient } from '../helpers/http.js';
import { CLI, run } from '../helpers/spawn.js';
import { storeKinds } from '../helpers/stores.js';
import { authorize, bodyAuth, makeClient, oauthPost, obtainCode, pkcePair, redirectParams, type TestClient } from './oauth-helpers.js';

const REDIRECT = 'http://127.0.0.1/callback';

for (const kind of storeKinds()) {
  describe(`Require PKCE [${kind}]`, () => {
    let server: TestServer;
    let strict: TestClient;
    let lenient: TestClient;
    let web: WebClient;

    before(async () => {
      server = await startServer(kind);
      strict = await makeClient(server.ctx, { types: ['authorization_code_grant'], redirect: [REDIRECT] });
      await server.ctx.services.clients.update(CLI_ACTOR, strict.id, { name: 'Strict', types: ['authorization_code_grant'], redirect: [REDIRECT], require_pkce: true });
      lenient = await makeClient(server.ctx, { types: ['authorization_code_grant'], redirect: [REDIRECT] });
      const erin = await createUser(server.ctx, { username: 'erin' });
      web = new WebClient(server.baseUrl);
      await web.login('erin', erin.password);
    });
    after(async () => server?.close());

    const exchange = (client: TestClient, code: string, extra: Record<string, string> = {}) =>
      oauthPost(server.baseUrl, '/oauth/token', { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, ...bodyAuth(client), ...extra });

    it('refuses an authorization request without code_challenge: invalid_request at the redirect URL, with iss', async () => {
      const res = await authorize(web, { response_type: 'code', client_id: strict.id, redirect_uri: REDIRECT, state: 'st' });
      assert.equal(res.status, 303);
      const params = redirectParams(res);
      assert.equal(params.get('error'), 'invalid_request');
      assert.match(params.get('error_description') ?? '', /PKCE is required/);
      assert.equal(params.get('state'), 'st');
      assert.equal(params.get('iss'), server.baseUrl);
      assert.equal(params.get('code'), null);
    });

    it('with a challenge the code needs its verifier', async () => {
      const { verifier, challenge } = pkcePair();
      const code = await obtainCode(web, strict, { challenge });
      const without = await exchange(strict, code);
      assert.equal(without.status, 400);
      assert.equal(without.body.error, 'invalid_grant');
      const code2 = await obtainCode(web, strict, { challenge });
      const ok = await exchange(strict, code2, { code_verifier: verifier });
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      assert.ok(ok.body.access_token);
    });

    it('a confidential client without the setting may still leave PKCE out', async () => {
      const code = await obtainCode(web, lenient);
      const ok = await exchange(lenient, code);
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
    });

    it('a code issued without PKCE is refused once the client is told to require it', async () => {
      const client = await makeClient(server.ctx, { types: ['authorization_code_grant'], redirect: [REDIRECT] });
      const code = await obtainCode(web, client);
      await server.ctx.services.clients.update(CLI_ACTOR, client.id, { name: 'Turned strict', types: ['authorization_code_grant'], redirect: [REDIRECT], require_pkce: true });
      const res = await exchange(client, code);
      assert.equal(res.status, 400);
      assert.equal(res.body.error, 'invalid_grant');
    });

    it('the console form has a recommended Require PKCE checkbox and an Allowed origins field, and saves both', async () => {
      const admin = new WebClient(server.baseUrl);
      await admin.login('admin', server.admin.password);
      const form = await admin.get('/admin/auth-clients/new');
      assert.match(form.text, /<span>Require PKCE<\/span>/);
      assert.match(form.text, /Recommended/);
      assert.match(form.text, /<label for="allowed_origins">Allowed origins<\/label>/);
      const made = await admin.postForm('/admin/auth-clients', {
        _csrf: WebClient.csrfFrom(form.text), name: `Console PKCE ${kind}`, types: 'authorization_code_grant', redirect: REDIRECT,
        require_pkce: '1', allowed_origins: 'https://app.example.com\nhttp://localhost:5173',
      });
      assert.equal(made.status, 303, made.text.slice(0, 500));
      const saved = (await server.ctx.clients.findByName(`Console PKCE ${kind}`))!;
      assert.equal(saved.requirePkce, true);
      assert.deepEqual(saved.allowedOrigins, ['https://app.example.com', 'http://localhost:5173']);
      const edit = await admin.get(`/admin/auth-clients/${saved.id}/edit`);
      assert.match(edit.text, /id="require_pkce" name="require_pkce" value="1" checked/);
      // An unticked box is "off", and a bad origin is shown on the form, nothing saved.
      const bad = await admin.postForm(`/admin/auth-clients/${saved.id}`, {
        _csrf: WebClient.csrfFrom(edit.text), name: saved.name, types: 'authorization_code_grant', redirect: REDIRECT, allowed_origins: 'https://app.example.com/path',
      });
      assert.equal(bad.status, 422);
      assert.match(bad.text, /is not an origin/);
      const off = await admin.postForm(`/admin/auth-clients/${saved.id}`, {
        _csrf: WebClient.csrfFrom(edit.text), name: saved.name, types: 'authorization_code_grant', redirect: REDIRECT, allowed_origins: '',
      });
      assert.equal(off.status, 303, off.text.slice(0, 500));
      const after = (await server.ctx.clients.findById(saved.id))!;
      assert.equal(after.requirePkce, false);
      assert.deepEqual(after.allowedOrigins, []);
    });

    it('the CLI sets and clears them: --require-pkce, --allowed-origin (repeatable), --no-require-pkce, --no-allowed-origin; --device-code and --no-device-code', async () => {
      const env = { DATABASE_URL: server.db.url };
      const created = await run(CLI, ['client:create', '--name', `CLI PKCE ${kind}`, '--redirect', REDIRECT, '--require-pkce',
        '--allowed-origin', 'https://a.example', '--allowed-origin', 'https://b.example:8443', '--json'], env);
      assert.equal(created.code, 0, created.stderr);
      const wire = JSON.parse(created.stdout) as { id: string; require_pkce: boolean; allowed_origins: string[] };
      assert.equal(wire.require_pkce, true);
      assert.deepEqual(wire.allowed_origins, ['https://a.example', 'https://b.example:8443']);
      const updated = await run(CLI, ['client:update', '--id', wire.id, '--no-require-pkce', '--no-allowed-origin', '--json'], env);
      assert.equal(updated.code, 0, updated.stderr);
      const after = JSON.parse(updated.stdout) as { require_pkce: boolean; allowed_origins: string[]; redirect: string[] };
      assert.equal(after.require_pkce, false);
      assert.deepEqual(after.allowed_origins, []);
      assert.deepEqual(after.redirect, [REDIRECT], 'the rest kept');
      const device = await run(CLI, ['client:create', '--name', `CLI TV ${kind}`, '--device-code', '--public', '--json'], env);
      assert.equal(device.code, 0, device.stderr);
      const tv = JSON.parse(device.stdout) as { id: string; types: string[]; confidential: boolean };
      assert.deepEqual(tv.types, ['device_code_grant']);
      assert.equal(tv.confidential, false);
      const both = await run(CLI, ['client:update', '--id', wire.id, '--device-code', '--json'], env);
      assert.deepEqual((JSON.parse(both.stdout) as { types: string[] }).types, ['authorization_code_grant', 'device_code_grant']);
      const dropped = await run(CLI, ['client:update', '--id', wire.id, '--no-device-code', '--json'], env);
      assert.deepEqual((JSON.parse(dropped.stdout) as { types: string[] }).types, ['authorization_code_grant']);
      const bad = await run(CLI, ['client:update', '--id', wire.id, '--allowed-origin', 'null'], env);
      assert.notEqual(bad.code, 0);
      assert.match(bad.stderr, /is not an origin/);
    });
  });
}
