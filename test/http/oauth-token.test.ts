/**
 * POST /oauth/token over real HTTP on SQLite and PostgreSQL: client authentication, the
 * client_credentials and password grants, and every error in the RFC 6749 §5.2 shape with
 * no-store headers.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { createContext } from '../../src/context.js';
import { createUser, startServer, updateClient, type TestServer } from '../helpers/app.js';
import { CLI_ACTOR } from '../../src/services/actor.js';

import { storeKinds } from '../helpers/stores.js';
import { basicHeader, bodyAuth, makeClient, me, oauthPost, type TestClient, type TokenCall } from './oauth-helpers.js';

function assertNoStore(res: TokenCall): void {
  assert.equal(res.headers.get('cache-control'), 'no-store');
  assert.equal(res.headers.get('pragma'), 'no-cache');
}

function assertError(res: TokenCall, status: number, error: string): void {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(res.body.error, error);
  assert.equal(typeof res.body.error_description, 'string');
  assertNoStore(res);
}

for (const kind of storeKinds()) {
  describe(`token endpoint [${kind}]`, () => {
    let server: TestServer;
    let cc: TestClient;
    let pw: TestClient;
    let code: TestClient;
    let pub: TestClient;
    let alice: { id: string; username: string; password: string };

    before(async () => {
      server = await startServer(kind);
      cc = await makeClient(server.ctx, { types: ['client_credentials_grant'] });
      pw = await makeClient(server.ctx, { types: ['password_client'] });
      code = await makeClient(server.ctx, { types: ['authorization_code_grant'], redirect: ['http://127.0.0.1/cb'] });
      pub = await makeClient(server.ctx, { types: ['authorization_code_grant'], redirect: ['http://127.0.0.1/cb'], confidential: false });
      alice = await createUser(server.ctx, { username: 'alice', permissions: ['view-auth_clients'] });
    });
    after(async () => server?.close());

    it('client_credentials: Basic or body, token acts as the client, no refresh token', async () => {
      const viaBasic = await oauthPost(server.baseUrl, '/oauth/token', { grant_type: 'client_credentials' }, { basic: cc });
      assert.equal(viaBasic.status, 200);
      assertNoStore(viaBasic);
      assert.match(viaBasic.body.access_token, /^kg_at_/);
      assert.equal(viaBasic.body.token_type, 'Bearer');
      assert.equal(viaBasic.body.expires_in, 3600);
      assert.equal(viaBasic.body.scope, 'api');
      assert.equal(viaBasic.body.refresh_token, undefined);
      const viaBody = await oauthPost(server.baseUrl, '/oauth/token', { grant_type: 'client_credentials', scope: 'api:read', ...bodyAuth(cc) });
      assert.equal(viaBody.status, 200);
      assert.equal(viaBody.body.scope, 'api:read');
      const viaJson = await oauthPost(server.baseUrl, '/oauth/token', { grant_type: 'client_credentials', ...bodyAuth(cc) }, { json: true });
      assert.equal(viaJson.status, 200);
      // The token acts as the client, not as a user: /users/me refuses it with 403.
      assert.equal(await me(server.baseUrl, viaBasic.body.access_token), 403);
      // Only the digest is stored.
      const rows = await server.ctx.store.db.selectFrom('tokens').select(['token_hash', 'prefix', 'user_id']).execute();
      assert.ok(rows.every((r) => !r.token_hash.startsWith('kg_') && r.user_id === null));
    });

    it('invalid_client is 401, with WWW-Authenticate only when Basic was used', async () => {
      const basic = await oauthPost(server.baseUrl, '/oauth/token', { grant_type: 'client_credentials' }, { basic: { ...cc, secret: 'kg_cs_wrong' } });
      assertError(basic, 401, 'invalid_client');
      assert.match(basic.headers.get('www-authenticate') ?? '', /^Basic/);
      const body = await oauthPost(server.baseUrl, '/oauth/token', { grant_type: 'client_credentials', client_id: cc.id, client_secret: 'nope' });
      assertError(body, 401, 'invalid_client');
      assert.equal(body.headers.get('www-authenticate'), null);
      assertError(await oauthPost(server.baseUrl, '/oauth/token', { grant_type: 'client_credentials' }), 401, 'invalid_client');
      assertError(await oauthPost(server.baseUrl, '/oauth/token', { grant_type: 'client_credentials', client_id: 'no-such-client', client_secret: 'x' }), 401, 'invalid_client');
      // A confidential client cannot skip its secret by posing as public.
      assertError(await oauthPost(server.baseUrl, '/oauth/token', { grant_type: 'client_credentials', client_id: cc.id }), 401, 'invalid_client');
    });

    it('an Authorization header of another scheme is 401 invalid_client with a Basic challenge, on every endpoint (RFC 6749 §5.2)', async () => {
      const { access_token: token } = (await oauthPost(server.baseUrl, '/oauth/token', { grant_type: 'client_credentials', ...bodyAuth(cc) })).body;
      for (const scheme of [`Bearer ${token}`, 'Bearer', 'Digest username="x"', `bearer ${cc.secret!}`, 'Basi']) {
        for (const [path, params] of [
          ['/oauth/token', { grant_type: 'client_credentials' }],
          ['/oauth/introspect', { token }],
          ['/oauth/revoke', { token }],
        ] as const) {
          // With and without body credentials: the client tried the header, so the header decides.
          for (const extra of [{}, bodyAuth(cc)]) {
            const res = await oauthPost(server.baseUrl, path, { ...params, ...extra }, { headers: { authorization: scheme } });
            assertError(res, 401, 'invalid_client');
            assert.match(res.headers.get('www-authenticate') ?? '', /^Basic realm="keygate"/, `${path} ${scheme}`);
          }
        }
      }
      // Nothing was revoked on the way.
      assert.equal(await me(server.baseUrl, token), 403, 'still valid (a client-credentials token: 403 on /users/me, not 401)');
    });

    it('refuses two authentication methods, repeated parameters and unreadable bodies with invalid_request', async () => {
      assertError(await oauthPost(server.baseUrl, '/oauth/token', { grant_type: 'client_credentials', client_secret: cc.secret! }, { basic: cc }), 400, 'invalid_request');
      assertError(await oauthPost(server.baseUrl, '/oauth/token', { grant_type: ['client_credentials', 'client_credentials'], ...bodyAuth(cc) }), 400, 'invalid_request');
      assertError(await oauthPost(server.baseUrl, '/oauth/token', { ...bodyAuth(cc) }), 400, 'invalid_request');
      const badJson = await fetch(`${server.baseUrl}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"grant_type":' });
      assertError({ status: badJson.status, headers: badJson.headers, body: await badJson.json() }, 400, 'invalid_request');
      const xml = await fetch(`${server.baseUrl}/oauth/token`, { method: 'POST', headers: { 'content-type': 'text/xml' }, body: '<a/>' });
      assertError({ status: xml.status, headers: xml.headers, body: await xml.json() }, 400, 'invalid_request');
      const nonString = await oauthPost(server.baseUrl, '/oauth/token', { grant_type: 'client_credentials', ...bodyAuth(cc), scope: 5 } as never, { json: true });
      assertError(nonString, 400, 'invalid_request');
    });

    it('answers unsupported_grant_type, unauthorized_client and invalid_scope', async () => {
      assertError(await oauthPost(server.baseUrl, '/oauth/token', { grant_type: 'implicit', ...bodyAuth(cc) }), 400, 'unsupported_grant_type');
      assertError(await oauthPost(server.baseUrl, '/oauth/token', { grant_type: 'password', username: 'alice', password: alice.password, ...bodyAuth(cc) }), 400, 'unauthorized_client');
      assertError(await oauthPost(server.baseUrl, '/oauth/token', { grant_type: 'client_credentials', ...bodyAuth(pw) }), 400, 'unauthorized_client');
      assertError(await oauthPost(server.baseUrl, '/oauth/token', { grant_type: 'client_credentials', ...bodyAuth(code) }), 400, 'unauthorized_client');
      // A public client may use only authorization_code and refresh_token.
      assertError(await oauthPost(server.baseUrl, '/oauth/token', { grant_type: 'client_credentials', client_id: pub.id }), 400, 'unauthorized_client');
      assertError(await oauthPost(server.baseUrl, '/oauth/token', { grant_type: 'client_credentials', client_id: pub.id, client_secret: 'x' }), 401, 'invalid_client');
      assertError(await oauthPost(server.baseUrl, '/oauth/token', { grant_type: 'client_credentials', scope: 'admin', ...bodyAuth(cc) }), 400, 'invalid_scope');
    });

    it('password grant: tokens for a user; unknown user and wrong password look the same', async () => {
      const ok = await oauthPost(server.baseUrl, '/oauth/token', { grant_type: 'password', username: 'alice', password: alice.password, ...bodyAuth(pw) });
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      assertNoStore(ok);
      assert.match(ok.body.refresh_token, /^kg_rt_/);
      assert.equal(await me(server.baseUrl, ok.body.access_token), 200);
      const wrong = await oauthPost(server.baseUrl, '/oauth/token', { grant_type: 'password', username: 'alice', password: 'not-her-password', ...bodyAuth(pw) });
      const unknown = await oauthPost(server.baseUrl, '/oauth/token', { grant_type: 'password', username: 'nobody', password: 'not-her-password', ...bodyAuth(pw) });
      assertError(wrong, 400, 'invalid_grant');
      assertError(unknown, 400, 'invalid_grant');
      assert.deepEqual(wrong.body, unknown.body);
      assertError(await oauthPost(server.baseUrl, '/oauth/token', { grant_type: 'password', username: 'alice', ...bodyAuth(pw) }), 400, 'invalid_request');
    });

    it('password grant: repeated failures are throttled with 429 and Retry-After, in the RFC error shape', async () => {
      const bob = await createUser(server.ctx, { username: 'bob' });
      let last: TokenCall | undefined;
      for (let i = 0; i < 8; i++) {
        last = await oauthPost(server.baseUrl, '/oauth/token', { grant_type: 'password', username: 'bob', password: `wrong-${i}`, ...bodyAuth(pw) });
        if (last.status === 429) break;
      }
      assert.equal(last!.status, 429);
      assert.ok(Number(last!.headers.get('retry-after')) >= 1);
      assert.equal(typeof last!.body.error, 'string');
      assertNoStore(last!);
      // Even the right password waits while blocked.
      const blocked = await oauthPost(server.baseUrl, '/oauth/token', { grant_type: 'password', username: 'bob', password: bob.password, ...bodyAuth(pw) });
      assert.equal(blocked.status, 429);
    });

    it('client changes hold on the very next request: new secret, removed grant, deletion', async () => {
      const svc = await makeClient(server.ctx, { name: 'Rotating service', types: ['client_credentials_grant'] });
      const ask = (c: TestClient) => oauthPost(server.baseUrl, '/oauth/token', { grant_type: 'client_credentials' }, { basic: c });
      assert.equal((await ask(svc)).status, 200);
      const { secret } = await server.ctx.services.clients.regenerateSecret(CLI_ACTOR, svc.id, 0);
      assertError(await ask(svc), 401, 'invalid_client');
      const renewed = { ...svc, secret };
      assert.equal((await ask(renewed)).status, 200);
      await updateClient(server.ctx, svc.id, { name: 'Rotating service', types: ['password_client'] });
      assertError(await ask(renewed), 400, 'unauthorized_client');
      await server.ctx.services.clients.delete(CLI_ACTOR, svc.id);
      assertError(await ask(renewed), 401, 'invalid_client');
    });

    it('a new secret issued by another process (the CLI) is honoured by the running server', async () => {
      const svc = await makeClient(server.ctx, { name: 'Cross-process service', types: ['client_credentials_grant'] });
      const ask = (c: TestClient) => oauthPost(server.baseUrl, '/oauth/token', { grant_type: 'client_credentials' }, { basic: c });
      assert.equal((await ask(svc)).status, 200);
      const other = await createContext(loadConfig({ DATABASE_URL: server.db.url, LOG_LEVEL: 'silent' }), { listen: false });
      const { secret } = await other.services.clients.regenerateSecret(CLI_ACTOR, svc.id, 0);
      await other.close();
      // SQLite: the next request; PostgreSQL: as soon as the notification arrives (bounded wait).
      const deadline = Date.now() + 2000;
      let status = (await ask(svc)).status;
      while (status === 200 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
        status = (await ask(svc)).status;
      }
      assert.equal(status, 401);
      assert.equal((await ask({ ...svc, secret })).status, 200);
    });

    it('a confidential client with a Basic header naming another client_id in the body is refused', async () => {
      const res = await fetch(`${server.baseUrl}/oauth/token`, {
        method: 'POST',
        headers: { authorization: basicHeader(cc.id, cc.secret!), 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: pw.id }).toString(),
      });
      assertError({ status: res.status, headers: res.headers, body: await res.json() }, 400, 'invalid_request');
    });
  });
}
