/**
 * Interop with a real Python client: Debian's Authlib 1.2 (requests client, unmodified) under
 * /usr/bin/python3 runs test/interop/authlib_client.py against a real Keygate — discovery,
 * authorization code + PKCE (Authlib builds the authorize URL and redeems the redirect; the
 * browser step, login and consent, is driven from here with WebClient), client credentials,
 * password, refresh, revocation and introspection — and each outcome is checked from here.
 *
 * Without /usr/bin/python3 or Authlib the suite is skipped with a line saying why; with
 * KEYGATE_REQUIRE_INTEROP=1 (or KEYGATE_REQUIRE_BROWSER=1, which CI sets) that is a failure.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { createUser, startServer, type TestServer } from '../helpers/app.js';
import { WebClient } from '../helpers/http.js';
import { storeKinds } from '../helpers/stores.js';
import { authorizeAt, makeClient, me, type TestClient } from '../http/oauth-helpers.js';

const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./authlib_client.py', import.meta.url));
const REDIRECT = 'http://127.0.0.1/callback';

function authlibSkipReason(): string | undefined {
  const probe = spawnSync(PYTHON, ['-c', 'import authlib, requests; print(authlib.__version__)'], { encoding: 'utf8' });
  if (probe.status === 0) return undefined;
  const why = probe.error ? `${PYTHON} is missing` : `Authlib or requests cannot be imported by ${PYTHON} (apt-get install python3-authlib python3-requests)`;
  if (process.env.KEYGATE_REQUIRE_INTEROP === '1' || process.env.KEYGATE_REQUIRE_BROWSER === '1') {
    throw new Error(`KEYGATE_REQUIRE_INTEROP/KEYGATE_REQUIRE_BROWSER is set but ${why}`);
  }
  console.log(`# authlib interop skipped: ${why}`);
  return `authlib interop skipped: ${why}`;
}

const skip = authlibSkipReason();

type Answer = { ok: boolean; error?: string; error_description?: string; [key: string]: any }; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Runs one scenario of the Python client (asynchronously: the server answers from this process). */
function python(scenario: string, config: Record<string, unknown>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [SCRIPT, scenario], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`authlib_client.py ${scenario} exited ${code}: ${err.trim()}`));
      try {
        resolve(JSON.parse(out) as Answer);
      } catch {
        reject(new Error(`authlib_client.py ${scenario} printed no JSON: ${out}${err}`));
      }
    });
    child.stdin.end(JSON.stringify(config));
  });
}

for (const kind of storeKinds()) {
  describe(`Authlib (Python) against Keygate [${kind}]`, { skip }, () => {
    let server: TestServer;
    let user: { id: string; username: string; password: string };
    let web: WebClient;
    let app: TestClient;

    before(async () => {
      server = await startServer(kind);
      user = await createUser(server.ctx, { username: 'ivan', permissions: ['view-auth_clients'] });
      app = await makeClient(server.ctx, { name: 'Python App', types: ['authorization_code_grant', 'password_client'], redirect: [REDIRECT] });
      web = new WebClient(server.baseUrl);
      await web.login('ivan', user.password);
    });
    after(async () => server?.close());

    const as = (client: TestClient, authMethod = 'client_secret_basic') => ({ base: server.baseUrl, client_id: client.id, client_secret: client.secret, auth_method: authMethod });

    it('authorization code + PKCE, then refresh, introspection and revocation', async () => {
      const start = await python('authorize-url', { ...as(app), redirect_uri: REDIRECT, scope: 'api' });
      const url = new URL(start.url as string);
      assert.equal(url.origin + url.pathname, `${server.baseUrl}/oauth/authorize`);
      assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
      assert.ok(url.searchParams.get('code_challenge'));

      const consent = await authorizeAt(web, url.pathname + url.search);
      assert.equal(consent.status, 303);
      const location = consent.headers.get('location')!;
      assert.ok(location.startsWith(`${REDIRECT}?code=`), location);
      const redeemed = await python('exchange-code', { ...as(app), redirect_uri: REDIRECT, authorization_response: location, state: start.state, code_verifier: start.code_verifier });
      assert.ok(redeemed.ok, JSON.stringify(redeemed));
      const tokens = redeemed.token as { access_token: string; refresh_token: string; token_type: string; scope: string; expires_in: number };
      assert.equal(tokens.token_type, 'Bearer');
      assert.equal(tokens.scope, 'api');
      assert.equal(tokens.expires_in, 3600);
      const res = await fetch(`${server.baseUrl}/api/1.0/users/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
      assert.equal(res.status, 200);
      assert.equal(((await res.json()) as { username: string }).username, 'ivan');

      // The same redirect again (a replayed code) is refused, and ends what the code bought.
      const replay = await python('exchange-code', { ...as(app), redirect_uri: REDIRECT, authorization_response: location, state: start.state, code_verifier: start.code_verifier });
      assert.deepEqual([replay.ok, replay.error], [false, 'invalid_grant']);
      assert.equal(await me(server.baseUrl, tokens.access_token), 401);

      // A fresh code, then refresh with rotation.
      const again = await python('authorize-url', { ...as(app), redirect_uri: REDIRECT, scope: 'api' });
      const back = (await authorizeAt(web, new URL(again.url as string).pathname + new URL(again.url as string).search)).headers.get('location')!;
      const first = (await python('exchange-code', { ...as(app), redirect_uri: REDIRECT, authorization_response: back, state: again.state, code_verifier: again.code_verifier })).token;
      const rotated = await python('refresh', { ...as(app), token: first.refresh_token });
      assert.ok(rotated.ok, JSON.stringify(rotated));
      assert.notEqual(rotated.token.refresh_token, first.refresh_token);
      assert.equal(await me(server.baseUrl, rotated.token.access_token), 200);

      const info = await python('introspect', { ...as(app), token: rotated.token.access_token });
      assert.equal(info.status, 200);
      const answer = info.answer as Record<string, unknown>;
      assert.equal(answer.active, true);
      assert.equal(answer.client_id, app.id);
      assert.equal(answer.username, 'ivan');
      assert.equal(answer.sub, user.id);
      assert.equal(answer.token_type, 'Bearer');
      assert.equal(answer.kind, 'access_token');
      assert.equal(answer.scope, 'api');
      assert.ok((answer.exp as number) > (answer.iat as number));

      const revoked = await python('revoke', { ...as(app), token: rotated.token.refresh_token, token_type_hint: 'refresh_token' });
      assert.equal(revoked.status, 200);
      assert.equal(await me(server.baseUrl, rotated.token.access_token), 401, 'revoking the refresh token ends its access token');
      assert.deepEqual((await python('introspect', { ...as(app), token: rotated.token.access_token })).answer, { active: false });
      const late = await python('refresh', { ...as(app), token: rotated.token.refresh_token });
      assert.deepEqual([late.ok, late.error], [false, 'invalid_grant']);
    });

    it('an authorization response naming another issuer is refused by the client (RFC 9207)', async () => {
      const start = await python('authorize-url', { ...as(app), redirect_uri: REDIRECT, scope: 'api' });
      const url = new URL(start.url as string);
      const location = new URL((await authorizeAt(web, url.pathname + url.search)).headers.get('location')!);
      location.searchParams.set('iss', 'https://evil.example');
      const forged = await python('exchange-code', { ...as(app), redirect_uri: REDIRECT, authorization_response: location.href, state: start.state, code_verifier: start.code_verifier });
      assert.deepEqual([forged.ok, forged.error], [false, 'iss_mismatch']);
    });

    it('client credentials (client_secret_post)', async () => {
      const service = await makeClient(server.ctx, { types: ['client_credentials_grant'] });
      const answer = await python('client-credentials', { ...as(service, 'client_secret_post'), scope: 'api:read' });
      assert.ok(answer.ok, JSON.stringify(answer));
      assert.equal(answer.token.scope, 'api:read');
      assert.equal(answer.token.refresh_token, undefined);
      assert.equal(await me(server.baseUrl, answer.token.access_token), 403, 'a client-credentials token acts for no user');
      const info = (await python('introspect', { ...as(service, 'client_secret_post'), token: answer.token.access_token })).answer;
      assert.equal(info.active, true);
      assert.equal(info.sub, service.id);
      assert.equal(info.username, undefined);
      assert.equal((await python('revoke', { ...as(service, 'client_secret_post'), token: answer.token.access_token })).status, 200);
      assert.equal(await me(server.baseUrl, answer.token.access_token), 401);
      const wrong = await python('client-credentials', { ...as({ ...service, secret: 'kg_cs_wrong' }, 'client_secret_post') });
      assert.deepEqual([wrong.ok, wrong.error], [false, 'invalid_client']);
    });

    it('password grant and refresh (client_secret_basic)', async () => {
      const answer = await python('password', { ...as(app), username: 'ivan', password: user.password, scope: 'api' });
      assert.ok(answer.ok, JSON.stringify(answer));
      assert.equal(await me(server.baseUrl, answer.token.access_token), 200);
      const rotated = await python('refresh', { ...as(app), token: answer.token.refresh_token });
      assert.equal(await me(server.baseUrl, rotated.token.access_token), 200);
      // The retired refresh token again: reuse, and the family ends.
      const reuse = await python('refresh', { ...as(app), token: answer.token.refresh_token });
      assert.deepEqual([reuse.ok, reuse.error], [false, 'invalid_grant']);
      assert.equal(await me(server.baseUrl, rotated.token.access_token), 401);
      const wrong = await python('password', { ...as(app), username: 'ivan', password: 'not-the-password' });
      assert.deepEqual([wrong.ok, wrong.error], [false, 'invalid_grant']);
    });
  });
}
