/**
 * A real single-page app in Chromium, served on another loopback origin than Keygate, with
 * oauth4webapi (its unmodified ESM build from node_modules) loaded in the page: discovery,
 * authorization code + PKCE (the user logs in and clicks Authorize on Keygate's pages), the code
 * redeemed by the page itself, a refresh and a revocation — every call cross-origin, so each works
 * only because of CORS. And an origin that is not listed gets no CORS headers: the browser blocks
 * the same calls. SQLite and PostgreSQL.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { createUser, startServer, type TestServer } from '../helpers/app.js';
import { browserSkipReason, launchBrowser } from '../helpers/browser.js';
import { storeKinds } from '../helpers/stores.js';
import { makeClient, me, type TestClient } from './oauth-helpers.js';

const skip = browserSkipReason();

const OAUTH4WEBAPI = readFileSync(join(process.cwd(), 'node_modules', 'oauth4webapi', 'build', 'index.js'));

/**
 * The app: "Sign in" runs discovery, keeps a PKCE verifier and state in sessionStorage and goes to
 * Keygate; back on /callback it validates the response (state and RFC 9207 iss), redeems the code,
 * refreshes, revokes the new refresh token, and shows what happened in #result as JSON.
 */
const APP_JS = `
import * as oauth from '/oauth4webapi.js';
const config = JSON.parse(document.getElementById('config').textContent);
const issuer = new URL(config.issuer);
const client = { client_id: config.clientId };
const redirectUri = location.origin + '/callback';
const opts = { [oauth.allowInsecureRequests]: true };
const show = (value) => { document.getElementById('result').textContent = JSON.stringify(value); };

async function discover() {
  return oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { ...opts, algorithm: 'oauth2' }));
}

async function signIn() {
  try {
    const as = await discover();
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    sessionStorage.setItem('pkce', JSON.stringify({ verifier, state }));
    const url = new URL(as.authorization_endpoint);
    url.searchParams.set('client_id', client.client_id);
    url.searchParams.set('redirect_uri', redirectUri);
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('scope', 'api');
    url.searchParams.set('state', state);
    url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(verifier));
    url.searchParams.set('code_challenge_method', 'S256');
    location.assign(url.href);
  } catch (err) {
    show({ error: String(err && err.message || err) });
  }
}

async function callback() {
  try {
    const { verifier, state } = JSON.parse(sessionStorage.getItem('pkce'));
    const as = await discover();
    const params = oauth.validateAuthResponse(as, client, new URL(location.href), state);
    const first = await oauth.processAuthorizationCodeResponse(as, client,
      await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, redirectUri, verifier, opts));
    const second = await oauth.processRefreshTokenResponse(as, client,
      await oauth.refreshTokenGrantRequest(as, client, oauth.None(), first.refresh_token, opts));
    await oauth.processRevocationResponse(await oauth.revocationRequest(as, client, oauth.None(), second.refresh_token, opts));
    let reuse;
    try {
      await oauth.processRefreshTokenResponse(as, client, await oauth.refreshTokenGrantRequest(as, client, oauth.None(), second.refresh_token, opts));
      reuse = 'accepted';
    } catch (err) {
      reuse = err.error || String(err);
    }
    show({ first, second, reuse });
  } catch (err) {
    show({ error: String(err && err.message || err) });
  }
}

document.getElementById('sign-in').addEventListener('click', signIn);
if (location.pathname === '/callback') callback();
`;

/** Serves the app on 127.0.0.1 (or `host`) at a free port. */
async function startApp(issuer: string, clientId: string): Promise<{ server: Server; port: number }> {
  const page = `<!doctype html><html><head><meta charset="utf-8"><title>Photo SPA</title></head><body>
<script type="application/json" id="config">${JSON.stringify({ issuer, clientId })}</script>
<button id="sign-in">Sign in with Keygate</button><pre id="result"></pre>
<script type="module" src="/app.js"></script></body></html>`;
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://app').pathname;
    if (path === '/oauth4webapi.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(OAUTH4WEBAPI);
    else if (path === '/app.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(APP_JS);
    else if (path === '/' || path === '/callback') res.writeHead(200, { 'content-type': 'text/html' }).end(page);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { server, port: typeof address === 'object' && address ? address.port : 0 };
}

interface AppResult {
  readonly error?: string;
  readonly first?: { access_token: string; refresh_token: string };
  readonly second?: { access_token: string; refresh_token: string };
  readonly reuse?: string;
}

for (const kind of storeKinds()) {
  describe(`a single-page app with oauth4webapi on another origin, in Chromium [${kind}]`, { skip }, () => {
    let server: TestServer;
    let browser: Browser;
    let spa: TestClient;
    let app: { server: Server; port: number };
    let password: string;

    before(async () => {
      server = await startServer(kind);
      browser = await launchBrowser();
      // The redirect is registered without a port: a loopback redirect matches any (RFC 8252 §7.3).
      spa = await makeClient(server.ctx, { name: 'Photo SPA', types: ['authorization_code_grant'], redirect: ['http://127.0.0.1/callback'], confidential: false });
      app = await startApp(server.baseUrl, spa.id);
      ({ password } = await createUser(server.ctx, { username: 'heidi' }));
    });
    after(async () => {
      await browser?.close();
      app?.server.close();
      await server?.close();
    });

    it('signs in with code + PKCE, redeems the code, refreshes and revokes from the page', async () => {
      const origin = `http://127.0.0.1:${app.port}`;
      assert.notEqual(origin, new URL(server.baseUrl).origin, 'the app runs on another origin');
      const context = await browser.newContext();
      const page = await context.newPage();
      const blocked: string[] = [];
      page.on('console', (m) => m.type() === 'error' && blocked.push(m.text()));
      await page.goto(`${origin}/`);
      await page.getByRole('button', { name: 'Sign in with Keygate' }).click();
      await page.waitForURL(/\/login\?/, { timeout: 5000 }).catch(async (err: unknown) => {
        throw new Error(`${String(err)}: ${page.url()} ${await page.textContent('body')} ${blocked.join(' | ')}`);
      });
      await page.getByLabel('Username').fill('heidi');
      await page.getByLabel('Password').fill(password);
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.getByRole('button', { name: 'Authorize' }).click();
      await page.waitForURL((u) => u.href.startsWith(`${origin}/callback`));
      await page.waitForFunction("document.getElementById('result').textContent !== ''");
      const result = JSON.parse((await page.textContent('#result')) ?? '{}') as AppResult;
      await context.close();
      assert.equal(result.error, undefined, `the app failed: ${result.error} ${blocked.join(' | ')}`);
      assert.deepEqual(blocked.filter((e) => /CORS/.test(e)), [], 'no CORS errors in the page');
      assert.equal(result.reuse, 'invalid_grant', 'the revoked refresh token is refused');
      assert.ok(result.first && result.second);
      assert.notEqual(result.second.access_token, result.first.access_token);
      // Revoking the refresh token ended the access token issued with it; the rotated-away one is gone too.
      assert.equal(await me(server.baseUrl, result.second.access_token), 401);
      assert.equal(await me(server.baseUrl, result.first.access_token), 401);
    });

    it('an origin that is not allowed gets no CORS headers, so the browser blocks the calls', async () => {
      // localhost is another origin than 127.0.0.1, and no client lists it.
      const origin = `http://localhost:${app.port}`;
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(`${origin}/`);
      await page.getByRole('button', { name: 'Sign in with Keygate' }).click();
      await page.waitForFunction("document.getElementById('result').textContent !== ''");
      const result = JSON.parse((await page.textContent('#result')) ?? '{}') as AppResult;
      assert.match(result.error ?? '', /fetch/i, 'discovery failed in the browser');
      // The token endpoint, called straight from the page, cannot be read either.
      const direct = await page.evaluate(async (url) => {
        try {
          await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=refresh_token&refresh_token=x&client_id=x' });
          return 'read';
        } catch (err) {
          return String(err);
        }
      }, `${server.baseUrl}/oauth/token`);
      await context.close();
      assert.match(direct, /TypeError/);
      const res = await fetch(`${server.baseUrl}/oauth/token`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } });
      assert.equal(res.headers.get('access-control-allow-origin'), null);
    });
  });
}
