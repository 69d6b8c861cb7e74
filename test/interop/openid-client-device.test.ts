/**
 * Interop: openid-client 6's device flow (RFC 8628), unmodified — `initiateDeviceAuthorization`
 * and `pollDeviceAuthorizationGrant`, which waits `interval` seconds between polls — against a
 * real Keygate on SQLite and PostgreSQL, the user's step done over HTTP on /device: approval
 * (tokens that work and refresh), denial (`access_denied`) and expiry (`expired_token`, the
 * server's clock moved on). A public client and a confidential one.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as client from 'openid-client';
import { createUser, startServer, type TestServer } from '../helpers/app.js';
import { WebClient } from '../helpers/http.js';
import { storeKinds } from '../helpers/stores.js';
import { answerDevice, makeClient, me, type TestClient } from '../http/oauth-helpers.js';

async function discover(server: TestServer, c: TestClient): Promise<client.Configuration> {
  const auth = c.secret ? client.ClientSecretBasic(c.secret) : client.None();
  return client.discovery(new URL(server.baseUrl), c.id, undefined, auth, { execute: [client.allowInsecureRequests], algorithm: 'oauth2' });
}

/** Resolves once the device has polled at least once (the server recorded a poll). */
async function polledOnce(server: TestServer): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const row = await server.ctx.store.db.selectFrom('device_codes').select('id').where('last_poll_at', 'is not', null).where('status', '=', 'pending').executeTakeFirst();
    if (row) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the device never polled');
}

for (const kind of storeKinds()) {
  describe(`openid-client 6 device flow against Keygate [${kind}]`, () => {
    let server: TestServer;
    let offset = 0;
    let web: WebClient;

    before(async () => {
      server = await startServer(kind, { now: () => Date.now() + offset });
      const kate = await createUser(server.ctx, { username: 'kate' });
      web = new WebClient(server.baseUrl);
      await web.login('kate', kate.password);
    });
    after(async () => server?.close());

    it('discovers the device authorization endpoint', async () => {
      const c = await makeClient(server.ctx, { types: ['device_code_grant'], confidential: false });
      const config = await discover(server, c);
      assert.equal(config.serverMetadata().device_authorization_endpoint, `${server.baseUrl}/oauth/device_authorization`);
    });

    for (const confidential of [false, true]) {
      it(`a ${confidential ? 'confidential' : 'public'} client gets tokens once the user authorizes`, async () => {
        const c = await makeClient(server.ctx, { name: `TV ${confidential}`, types: ['device_code_grant'], confidential });
        const config = await discover(server, c);
        const started = await client.initiateDeviceAuthorization(config, { scope: 'api' });
        assert.equal(started.verification_uri, `${server.baseUrl}/device`);
        const polling = client.pollDeviceAuthorizationGrant(config, started);
        await answerDevice(web, started.user_code, 'authorize');
        const tokens = await polling;
        assert.equal(tokens.token_type, 'bearer');
        assert.equal(tokens.scope, 'api');
        assert.ok(tokens.refresh_token);
        assert.equal(await me(server.baseUrl, tokens.access_token), 200);
        const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
        assert.equal(await me(server.baseUrl, refreshed.access_token), 200);
      });
    }

    it('denial ends the polling with access_denied', async () => {
      const c = await makeClient(server.ctx, { types: ['device_code_grant'], confidential: false });
      const config = await discover(server, c);
      const started = await client.initiateDeviceAuthorization(config, {});
      const polling = client.pollDeviceAuthorizationGrant(config, started);
      await answerDevice(web, started.user_code, 'deny');
      await assert.rejects(polling, (err: unknown) => {
        assert.ok(err instanceof client.ResponseBodyError, String(err));
        assert.equal(err.error, 'access_denied');
        return true;
      });
    });

    it('expiry ends the polling with expired_token', async () => {
      const c = await makeClient(server.ctx, { types: ['device_code_grant'], confidential: false });
      const config = await discover(server, c);
      const started = await client.initiateDeviceAuthorization(config, {});
      const polling = client.pollDeviceAuthorizationGrant(config, started);
      const rejected = assert.rejects(polling, (err: unknown) => {
        assert.ok(err instanceof client.ResponseBodyError, String(err));
        assert.equal(err.error, 'expired_token');
        return true;
      });
      await polledOnce(server);
      offset += (started.expires_in + 1) * 1000;
      await rejected;
    });
  });
}
