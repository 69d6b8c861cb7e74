/**
 * Interop: openid-client 6, unmodified, drives every flow against a real Keygate — discovery
 * (RFC 8414), authorization code + PKCE with the login and consent pages clicked in headless
 * Chromium, the password grant, refresh with rotation, client credentials, introspection and
 * revocation — and each token is tried on GET /api/1.0/users/me; RFC 9207 `iss` is checked by the
 * library (a forged or missing one is refused). Plain http on loopback needs
 * the library's allowInsecureRequests (ENGINEERING.md).
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import * as client from 'openid-client';
import type { Browser } from 'playwright-core';
import { createUser, startServer, type TestServer } from '../helpers/app.js';
import { browserSkipReason, launchBrowser, screenshotPath } from '../helpers/browser.js';
import { storeKinds } from '../helpers/stores.js';
import { makeClient, me, type TestClient } from '../http/oauth-helpers.js';

const skip = browserSkipReason();

/** The application's redirect_uri: a real loopback server that answers the browser. */
async function startCallbackServer(): Promise<{ server: Server; url: string }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><title>Back in the app</title><p>Back in the app</p>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { server, url: `http://127.0.0.1:${port}/callback` };
}

async function discover(server: TestServer, c: TestClient, auth: client.ClientAuth): Promise<client.Configuration> {
  return client.discovery(new URL(server.baseUrl), c.id, undefined, auth, { execute: [client.allowInsecureRequests], algorithm: 'oauth2' });
}

for (const kind of storeKinds()) {
  describe(`openid-client 6 against Keygate in Chromium [${kind}]`, { skip }, () => {
    let server: TestServer;
    let browser: Browser;
    let callback: { server: Server; url: string };
    let user: { id: string; username: string; password: string };

    before(async () => {
      server = await startServer(kind);
      browser = await launchBrowser();
      callback = await startCallbackServer();
      user = await createUser(server.ctx, { username: 'grace', permissions: ['view-auth_clients'] });
    });
    after(async () => {
      await browser?.close();
      callback?.server.close();
      await server?.close();
    });

    it('discovers the RFC 8414 metadata', async () => {
      const c = await makeClient(server.ctx, { types: ['client_credentials_grant'] });
      const config = await discover(server, c, client.ClientSecretBasic(c.secret!));
      const meta = config.serverMetadata();
      assert.equal(meta.issuer, server.baseUrl);
      assert.equal(meta.token_endpoint, `${server.baseUrl}/oauth/token`);
      assert.deepEqual(meta.code_challenge_methods_supported, ['S256']);
      assert.deepEqual(meta.response_types_supported, ['code']);
      assert.ok(meta.supportsPKCE());
      assert.equal(meta.authorization_response_iss_parameter_supported, true, 'RFC 9207: openid-client then requires and checks iss');
      for (const key of ['authorization_endpoint', 'revocation_endpoint', 'introspection_endpoint', 'grant_types_supported', 'token_endpoint_auth_methods_supported', 'scopes_supported']) {
        assert.ok(key in meta, key);
      }
    });

    it('authorization code + PKCE with login and consent in the browser, then refresh, introspect and revoke', async () => {
      const app = await makeClient(server.ctx, { name: 'Interop App', types: ['authorization_code_grant'], redirect: [callback.url] });
      const config = await discover(server, app, client.ClientSecretPost(app.secret!));
      const verifier = client.randomPKCECodeVerifier();
      const state = client.randomState();
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: callback.url,
        scope: 'api',
        state,
        code_challenge: await client.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
      });

      const context = await browser.newContext();
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      await page.goto(url.href);
      await page.waitForURL(/\/login\?/);
      await page.getByLabel('Username').fill('grace');
      await page.getByLabel('Password').fill(user.password);
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.getByRole('button', { name: 'Authorize' }).waitFor();
      assert.match(await page.textContent('main') ?? '', /Interop App/);
      assert.ok(await page.getByRole('button', { name: 'Deny' }).isVisible());
      await page.screenshot({ path: screenshotPath('consent.png') });
      await page.getByRole('button', { name: 'Authorize' }).click();
      await page.waitForURL((u) => u.href.startsWith(callback.url));
      const returned = new URL(page.url());
      await context.close();
      assert.deepEqual(errors.filter((e) => !/Failed to load resource/.test(e)), [], 'no CSP or script errors');

      // RFC 9207: the response names its issuer; openid-client refuses one from another issuer, or
      // none (a mix-up attack), before it sends the code anywhere.
      assert.equal(returned.searchParams.get('iss'), server.baseUrl);
      for (const iss of ['https://evil.example', null]) {
        const forged = new URL(returned);
        if (iss === null) forged.searchParams.delete('iss');
        else forged.searchParams.set('iss', iss);
        await assert.rejects(client.authorizationCodeGrant(config, forged, { pkceCodeVerifier: verifier, expectedState: state }), (err: unknown) => {
          assert.ok(err instanceof client.ClientError, String(err));
          assert.equal(err.code, 'OAUTH_INVALID_RESPONSE');
          assert.match(String((err.cause as Error | undefined)?.message), /"iss" \(issuer\)/);
          return true;
        });
      }
      const tokens = await client.authorizationCodeGrant(config, returned, { pkceCodeVerifier: verifier, expectedState: state });
      assert.equal(tokens.token_type, 'bearer');
      assert.ok(tokens.refresh_token);
      assert.equal(await me(server.baseUrl, tokens.access_token), 200);
      const res = await client.fetchProtectedResource(config, tokens.access_token, new URL(`${server.baseUrl}/api/1.0/users/me`), 'GET');
      assert.equal(((await res.json()) as { username: string }).username, 'grace');

      const rotated = await client.refreshTokenGrant(config, tokens.refresh_token!);
      assert.ok(rotated.refresh_token && rotated.refresh_token !== tokens.refresh_token);
      assert.equal(await me(server.baseUrl, rotated.access_token), 200);

      const info = await client.tokenIntrospection(config, rotated.access_token);
      assert.equal(info.active, true);
      assert.equal(info.client_id, app.id);
      assert.equal(info.username, 'grace');
      assert.equal(info.sub, user.id);

      await client.tokenRevocation(config, rotated.refresh_token!);
      assert.equal(await me(server.baseUrl, rotated.access_token), 401);
      assert.equal((await client.tokenIntrospection(config, rotated.access_token)).active, false);
      await assert.rejects(client.refreshTokenGrant(config, tokens.refresh_token!), (err: unknown) => (err as { error?: string }).error === 'invalid_grant');
    });

    it('a trusted client returns straight from the login form to the app (no consent, no CSP block)', async () => {
      const app = await makeClient(server.ctx, { name: 'Trusted App', types: ['authorization_code_grant'], redirect: [callback.url], trusted: true });
      const config = await discover(server, app, client.ClientSecretBasic(app.secret!));
      const verifier = client.randomPKCECodeVerifier();
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: callback.url,
        state: 'trusted',
        code_challenge: await client.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
      });
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(url.href);
      await page.getByLabel('Username').fill('grace');
      await page.getByLabel('Password').fill(user.password);
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.waitForURL((u) => u.href.startsWith(callback.url));
      const returned = new URL(page.url());
      await context.close();
      const tokens = await client.authorizationCodeGrant(config, returned, { pkceCodeVerifier: verifier, expectedState: 'trusted' });
      assert.equal(await me(server.baseUrl, tokens.access_token), 200);
    });

    it('password grant and client credentials', async () => {
      const legacy = await makeClient(server.ctx, { types: ['password_client'] });
      const pwConfig = await discover(server, legacy, client.ClientSecretBasic(legacy.secret!));
      const pw = await client.genericGrantRequest(pwConfig, 'password', { username: 'grace', password: user.password, scope: 'api:read' });
      assert.equal(pw.scope, 'api:read');
      assert.equal(await me(server.baseUrl, pw.access_token), 200);
      const rotated = await client.refreshTokenGrant(pwConfig, pw.refresh_token!);
      assert.equal(await me(server.baseUrl, rotated.access_token), 200);
      await assert.rejects(
        client.genericGrantRequest(pwConfig, 'password', { username: 'grace', password: 'wrong-password' }),
        (err: unknown) => (err as { error?: string }).error === 'invalid_grant',
      );

      const service = await makeClient(server.ctx, { types: ['client_credentials_grant'] });
      const ccConfig = await discover(server, service, client.ClientSecretPost(service.secret!));
      const cc = await client.clientCredentialsGrant(ccConfig, { scope: 'api' });
      assert.equal(cc.refresh_token, undefined);
      assert.equal(await me(server.baseUrl, cc.access_token), 403, 'a client-credentials token acts for no user');
      const info = await client.tokenIntrospection(ccConfig, cc.access_token);
      assert.equal(info.active, true);
      assert.equal(info.sub, service.id);
      await client.tokenRevocation(ccConfig, cc.access_token);
      assert.equal(await me(server.baseUrl, cc.access_token), 401);
    });
  });
}
