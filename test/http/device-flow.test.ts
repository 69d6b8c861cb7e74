/**
 * The device authorization grant (RFC 8628) over real HTTP on SQLite and PostgreSQL, with the
 * server's clock moved by the test: the device authorization endpoint (client authentication,
 * the client's type, scopes), polling (`authorization_pending`, `slow_down` with 5 s more,
 * `access_denied`, `expired_token`, a used code refused), the /device page (login first, codes
 * typed in any case, the consent page, wrong codes throttled like passwords), tokens that work
 * and refresh, and the metadata.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CLI_ACTOR } from '../../src/services/actor.js';
import { createUser, issuePat, startServer, type TestServer } from '../helpers/app.js';
import { WebClient } from '../helpers/http.js';
import { storeKinds } from '../helpers/stores.js';
import { answerDevice, basicHeader, bodyAuth, enterUserCode, makeClient, me, oauthPost, type TestClient } from './oauth-helpers.js';

const GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

interface DeviceStart {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete: string;
  expires_in: number;
  interval: number;
}

for (const kind of storeKinds()) {
  describe(`device authorization grant [${kind}]`, () => {
    let server: TestServer;
    let clock = Date.now();
    let tv: TestClient;
    let cli: TestClient;
    let web: WebClient;

    before(async () => {
      server = await startServer(kind, { now: () => clock });
      tv = await makeClient(server.ctx, { name: 'Living Room TV', types: ['device_code_grant'], confidential: false });
      cli = await makeClient(server.ctx, { name: 'Deploy CLI', types: ['device_code_grant', 'password_client'] });
      const ivan = await createUser(server.ctx, { username: 'ivan' });
      web = new WebClient(server.baseUrl);
      await web.login('ivan', ivan.password);
    });
    after(async () => server?.close());

    const start = async (client: TestClient, extra: Record<string, string> = {}) => {
      const res = await oauthPost(server.baseUrl, '/oauth/device_authorization', { ...bodyAuth(client), ...extra });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body as DeviceStart;
    };
    const poll = (client: TestClient, deviceCode: string) => oauthPost(server.baseUrl, '/oauth/token', { grant_type: GRANT, device_code: deviceCode, ...bodyAuth(client) });

    it('the metadata names the endpoint and the grant type', async () => {
      const meta = (await (await fetch(`${server.baseUrl}/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>;
      assert.equal(meta.device_authorization_endpoint, `${server.baseUrl}/oauth/device_authorization`);
      assert.ok((meta.grant_types_supported as string[]).includes(GRANT));
    });

    it('answers a device authorization request with a short user code and where to enter it', async () => {
      const started = await start(tv, { scope: 'api:read' });
      assert.match(started.device_code, /^kg_dc_/);
      assert.match(started.user_code, /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
      assert.equal(started.verification_uri, `${server.baseUrl}/device`);
      assert.equal(started.verification_uri_complete, `${server.baseUrl}/device?user_code=${started.user_code}`);
      assert.equal(started.expires_in, 600);
      assert.equal(started.interval, 5);
      const stored = await server.ctx.store.db.selectFrom('device_codes').selectAll().execute();
      assert.ok(stored.every((r) => !JSON.stringify(r).includes(started.device_code) && !JSON.stringify(r).includes(started.user_code.replace('-', ''))), 'digests only');
    });

    it('refuses clients without the grant, bad credentials and unknown scopes, in the token endpoint’s format', async () => {
      const other = await makeClient(server.ctx, { types: ['client_credentials_grant'] });
      const refused = await oauthPost(server.baseUrl, '/oauth/device_authorization', bodyAuth(other));
      assert.equal(refused.status, 400);
      assert.equal(refused.body.error, 'unauthorized_client');
      const wrong = await oauthPost(server.baseUrl, '/oauth/device_authorization', {}, { headers: { authorization: basicHeader(cli.id, 'kg_cs_wrong') } });
      assert.equal(wrong.status, 401);
      assert.equal(wrong.body.error, 'invalid_client');
      const scope = await oauthPost(server.baseUrl, '/oauth/device_authorization', { ...bodyAuth(tv), scope: 'admin' });
      assert.equal(scope.body.error, 'invalid_scope');
      const none = await oauthPost(server.baseUrl, '/oauth/device_authorization', {});
      assert.equal(none.status, 401);
      assert.equal((await poll(tv, 'kg_dc_not-a-code')).body.error, 'invalid_grant');
    });

    it('pending, slow_down (+5 s), approval on /device, then tokens once; the code is refused afterwards', async () => {
      const started = await start(cli);
      const first = await poll(cli, started.device_code);
      assert.equal(first.status, 400);
      assert.equal(first.body.error, 'authorization_pending');
      const fast = await poll(cli, started.device_code);
      assert.equal(fast.status, 400);
      assert.equal(fast.body.error, 'slow_down');
      assert.match(fast.body.error_description, /10 seconds/);
      clock += 6_000; // less than the new 10 s interval
      assert.equal((await poll(cli, started.device_code)).body.error, 'slow_down');
      clock += 16_000;
      assert.equal((await poll(cli, started.device_code)).body.error, 'authorization_pending');
      // Another client cannot redeem it.
      assert.equal((await poll(tv, started.device_code)).body.error, 'invalid_grant');

      // Typed the way people type it: lower case, no dash.
      const consent = await enterUserCode(web, started.user_code.toLowerCase().replace('-', ' '));
      assert.equal(consent.status, 200);
      assert.match(consent.text, /Deploy CLI/);
      assert.match(consent.text, />Deny</);
      const done = await web.postForm('/device', { _csrf: WebClient.csrfFrom(consent.text), user_code: started.user_code, decision: 'authorize' });
      assert.equal(done.status, 200);
      assert.match(done.text, /Device connected/);

      clock += 20_000;
      const tokens = await poll(cli, started.device_code);
      assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
      assert.equal(tokens.headers.get('cache-control'), 'no-store');
      assert.equal(tokens.body.token_type, 'Bearer');
      assert.equal(tokens.body.scope, 'api');
      assert.ok(tokens.body.refresh_token);
      assert.equal(await me(server.baseUrl, tokens.body.access_token), 200);
      const refreshed = await oauthPost(server.baseUrl, '/oauth/token', { grant_type: 'refresh_token', refresh_token: tokens.body.refresh_token, ...bodyAuth(cli) });
      assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
      assert.equal(await me(server.baseUrl, refreshed.body.access_token), 200);

      clock += 20_000;
      const again = await poll(cli, started.device_code);
      assert.equal(again.body.error, 'invalid_grant');
      // And the user code is spent: typing it again finds nothing.
      assert.equal((await enterUserCode(web, started.user_code)).status, 400);
    });

    it('Deny gives access_denied', async () => {
      const started = await start(tv);
      const denied = await answerDevice(web, started.user_code, 'deny');
      assert.match(denied.text, /Access denied/);
      const res = await poll(tv, started.device_code);
      assert.equal(res.status, 400);
      assert.equal(res.body.error, 'access_denied');
    });

    it('an expired code gives expired_token and can no longer be entered', async () => {
      const started = await start(tv);
      clock += 601_000;
      assert.equal((await poll(tv, started.device_code)).body.error, 'expired_token');
      const page = await enterUserCode(web, started.user_code);
      assert.equal(page.status, 400);
      assert.match(page.text, /not valid or has expired/);
    });

    it('/device needs a session and prefills the code from verification_uri_complete', async () => {
      const started = await start(tv);
      const anonymous = new WebClient(server.baseUrl);
      const res = await anonymous.get(`/device?user_code=${started.user_code}`);
      assert.equal(res.status, 303);
      assert.equal(res.headers.get('location'), `/login?next=${encodeURIComponent(`/device?user_code=${started.user_code}`)}`);
      const form = await web.get(`/device?user_code=${started.user_code}`);
      assert.match(form.text, new RegExp(`name="user_code" value="${started.user_code}"`));
      // Without the CSRF token nothing is looked up or decided.
      const forged = await web.postForm('/device', { user_code: started.user_code, decision: 'authorize' });
      assert.equal(forged.status, 403);
      assert.equal((await poll(tv, started.device_code)).body.error, 'authorization_pending');
    });

    it('throttles wrong user codes like passwords, per user and address', async () => {
      const judy = await createUser(server.ctx, { username: 'judy' });
      const guesser = new WebClient(server.baseUrl);
      await guesser.login('judy', judy.password);
      const statuses: number[] = [];
      for (let i = 0; i < 7; i++) statuses.push((await enterUserCode(guesser, 'BBBB-BBBB')).status);
      assert.deepEqual(statuses.slice(0, 5), [400, 400, 400, 400, 400]);
      assert.equal(statuses[6], 429);
      const started = await start(tv);
      const blocked = await enterUserCode(guesser, started.user_code);
      assert.equal(blocked.status, 429, 'even a right code waits out the delay');
      assert.match(blocked.text, /Too many wrong codes/);
      // Another user is not affected.
      assert.equal((await enterUserCode(web, started.user_code)).status, 200);
    });
    it('the console offers the grant and names it in the password-grant warning; the API takes device_code_grant on a public client', async () => {
      const admin = new WebClient(server.baseUrl);
      await admin.login('admin', server.admin.password);
      const form = await admin.get('/admin/auth-clients/new');
      assert.match(form.text, /<span>Enable Device Authorization Grant<\/span>/);
      assert.match(form.text, /legacy desktop applications only[^<]*Device Authorization Grant/);
      const made = await admin.postForm('/admin/auth-clients', { _csrf: WebClient.csrfFrom(form.text), name: `Console TV ${kind}`, types: 'device_code_grant', public: '1' });
      assert.equal(made.status, 303, made.text.slice(0, 300));
      const page = await admin.get(made.headers.get('location')!);
      assert.match(page.text, /Device authorization \(CLIs, TVs, desktop apps\)/);
      assert.match(page.text, /grant-type:device_code/);
      const legacy = await admin.get(`/admin/auth-clients/${cli.id}`);
      assert.match(legacy.text, /Moving from the Password Grant/);
      const { token } = await issuePat(server.ctx, server.admin.id, { name: 'api' });
      const res = await fetch(`${server.baseUrl}/api/1.0/oauth/clients`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: `API TV ${kind}`, types: ['device_code_grant'], confidential: false }),
      });
      const body = (await res.json()) as { types: string[]; secret?: string };
      assert.equal(res.status, 201, JSON.stringify(body));
      assert.deepEqual(body.types, ['device_code_grant']);
      assert.equal(body.secret, undefined);
    });

    it('tokens:purge and housekeeping remove expired device codes; deleting the client removes its codes', async () => {
      const gone = await makeClient(server.ctx, { types: ['device_code_grant'], confidential: false });
      await start(gone);
      await server.ctx.services.clients.delete(CLI_ACTOR, gone.id);
      const left = await server.ctx.store.db.selectFrom('device_codes').select('id').where('client_id', '=', gone.id).execute();
      assert.equal(left.length, 0);
      await start(tv);
      clock += 601_000;
      const before = await server.ctx.store.db.selectFrom('device_codes').select('id').execute();
      assert.ok(before.length > 0);
      const purged = await server.ctx.services.tokenHygiene.purge(CLI_ACTOR);
      assert.ok(purged.codesDeleted >= before.length, JSON.stringify(purged));
      assert.equal((await server.ctx.store.db.selectFrom('device_codes').select('id').execute()).length, 0);
    });
  });
}
