/**
 * The authorization code grant with PKCE over real HTTP on SQLite and PostgreSQL: the authorize
 * endpoint's checks (error page, never a redirect, for a bad client or redirect_uri), login and
 * consent, remembered consent and trusted clients, and every way a code fails closed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createUser, startServer, type TestServer } from '../helpers/app.js';
import { WebClient } from '../helpers/http.js';
import { storeKinds } from '../helpers/stores.js';
import { authorize, authorizePath, bodyAuth, makeClient, me, oauthPost, obtainCode, pkcePair, redirectParams, type TestClient } from './oauth-helpers.js';

const REDIRECT = 'http://127.0.0.1/callback';

const escapeRegExp = (value: string): string => value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

for (const kind of storeKinds()) {
  describe(`authorization code grant [${kind}]`, () => {
    let server: TestServer;
    let app: TestClient;
    let other: TestClient;
    let pub: TestClient;
    let web: WebClient;

    before(async () => {
      server = await startServer(kind);
      app = await makeClient(server.ctx, { name: 'Photo Printer', types: ['authorization_code_grant'], redirect: [REDIRECT, 'https://app.example/cb'] });
      other = await makeClient(server.ctx, { types: ['authorization_code_grant'], redirect: [REDIRECT] });
      pub = await makeClient(server.ctx, { types: ['authorization_code_grant'], redirect: ['https://spa.example/cb'], confidential: false });
      const carol = await createUser(server.ctx, { username: 'carol' });
      web = new WebClient(server.baseUrl);
      await web.login('carol', carol.password);
    });
    after(async () => server?.close());

    const exchange = (client: TestClient, code: string, extra: Record<string, string> = {}) =>
      oauthPost(server.baseUrl, '/oauth/token', { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, ...bodyAuth(client), ...extra });

    it('without a session sends the user to the login page and back', async () => {
      const anonymous = new WebClient(server.baseUrl);
      const { challenge } = pkcePair();
      const path = authorizePath({ response_type: 'code', client_id: app.id, redirect_uri: REDIRECT, state: 's1', code_challenge: challenge, code_challenge_method: 'S256' });
      const res = await anonymous.get(path);
      assert.equal(res.status, 303);
      const location = new URL(res.headers.get('location')!, server.baseUrl);
      assert.equal(location.pathname, '/login');
      assert.equal(location.searchParams.get('next'), path);
    });

    it('shows a framing-proof, CSRF-protected consent page naming the app and the scopes', async () => {
      const fresh = new WebClient(server.baseUrl);
      const dave = await createUser(server.ctx, { username: 'dave' });
      await fresh.login('dave', dave.password);
      const page = await fresh.get(authorizePath({ response_type: 'code', client_id: app.id, redirect_uri: REDIRECT, scope: 'api:read', state: 's' }));
      assert.equal(page.status, 200);
      assert.match(page.text, /Photo Printer/);
      assert.match(page.text, /Read your data through the API/);
      assert.match(page.text, />Authorize</);
      assert.match(page.text, />Deny</);
      assert.equal(page.headers.get('x-frame-options'), 'DENY');
      const csp = page.headers.get('content-security-policy') ?? '';
      assert.match(csp, /frame-ancestors 'none'/);
      assert.match(csp, /form-action 'self' http:\/\/127\.0\.0\.1/);
      // Without the CSRF token the POST is refused and nothing is issued.
      const forged = await fresh.postForm('/oauth/authorize', { response_type: 'code', client_id: app.id, redirect_uri: REDIRECT, decision: 'authorize' });
      assert.equal(forged.status, 403);
      assert.equal(forged.headers.get('location'), null);
    });

    it('Deny redirects with access_denied and the state', async () => {
      const res = await authorize(web, { response_type: 'code', client_id: app.id, redirect_uri: REDIRECT, state: 'deny-me' }, 'deny');
      assert.equal(res.status, 303);
      const params = redirectParams(res);
      assert.equal(params.get('error'), 'access_denied');
      assert.equal(params.get('state'), 'deny-me');
      assert.equal(params.get('iss'), server.baseUrl, 'RFC 9207');
      assert.equal(params.get('code'), null);
    });

    it('issues a code that buys tokens once; a replay fails and revokes the first tokens', async () => {
      const { verifier, challenge } = pkcePair();
      const code = await obtainCode(web, app, { challenge, redirectUri: REDIRECT });
      const first = await exchange(app, code, { code_verifier: verifier });
      assert.equal(first.status, 200, JSON.stringify(first.body));
      assert.match(first.body.refresh_token, /^kg_rt_/);
      assert.equal(await me(server.baseUrl, first.body.access_token), 200);
      const replay = await exchange(app, code, { code_verifier: verifier });
      assert.equal(replay.status, 400);
      assert.equal(replay.body.error, 'invalid_grant');
      assert.equal(await me(server.baseUrl, first.body.access_token), 401);
      const refresh = await oauthPost(server.baseUrl, '/oauth/token', { grant_type: 'refresh_token', refresh_token: first.body.refresh_token, ...bodyAuth(app) });
      assert.equal(refresh.body.error, 'invalid_grant');
    });

    it('keeps the registered query byte for byte and appends code, state and iss (RFC 6749 §3.1.2, RFC 9207), on success and on error', async () => {
      const spaced = 'https://app.example/cb?t=a%20b';
      const flag = 'http://127.0.0.1/cb?flag';
      const open = 'http://127.0.0.1/cb2?';
      const client = await makeClient(server.ctx, { types: ['authorization_code_grant'], redirect: [spaced, flag, open] });
      const iss = encodeURIComponent(server.baseUrl);
      const state = 'a b&c=d+é';
      const encodedState = encodeURIComponent(state);
      for (const [presented, base] of [[spaced, spaced], [flag, flag], ['http://127.0.0.1:9000/cb?flag', 'http://127.0.0.1:9000/cb?flag'], [open, open]] as const) {
        const res = await authorize(web, { response_type: 'code', client_id: client.id, redirect_uri: presented, state });
        assert.equal(res.status, 303, presented);
        const location = res.headers.get('location')!;
        const separator = base.endsWith('?') ? '' : '&';
        assert.match(location, new RegExp(`^${escapeRegExp(base + separator)}code=kg_ac_[^&]+&state=${escapeRegExp(encodedState)}&iss=${escapeRegExp(iss)}$`), location);
        assert.equal(new URL(location).searchParams.get('state'), state, 'the state reads back as sent');

        const error = await web.get(authorizePath({ response_type: 'token', client_id: client.id, redirect_uri: presented, state }));
        const errorLocation = error.headers.get('location')!;
        assert.ok(errorLocation.startsWith(`${base}${separator}error=unsupported_response_type&error_description=`), errorLocation);
        assert.ok(errorLocation.endsWith(`&state=${encodedState}&iss=${iss}`), errorLocation);
        assert.doesNotMatch(errorLocation, /\+/, 'spaces are %20, never +');
      }
    });

    it('a state that reads "repeated" is an ordinary value, returned as sent', async () => {
      const res = await authorize(web, { response_type: 'code', client_id: app.id, redirect_uri: REDIRECT, state: 'repeated' });
      assert.equal(res.status, 303);
      const params = redirectParams(res);
      assert.equal(params.get('error'), null, 'not invalid_request "must not be repeated"');
      assert.ok(params.get('code'));
      assert.equal(params.get('state'), 'repeated');
    });

    it('remembers consent: the next identical request skips the page', async () => {
      await obtainCode(web, app, { redirectUri: REDIRECT, scope: 'api' });
      const again = await web.get(authorizePath({ response_type: 'code', client_id: app.id, redirect_uri: REDIRECT, scope: 'api:read', state: 'again' }));
      assert.equal(again.status, 303);
      assert.ok(redirectParams(again).get('code'));
      assert.equal(redirectParams(again).get('state'), 'again');
    });

    it('a trusted client skips consent', async () => {
      const trusted = await makeClient(server.ctx, { types: ['authorization_code_grant'], redirect: [REDIRECT], trusted: true });
      const res = await web.get(authorizePath({ response_type: 'code', client_id: trusted.id, state: 't' }));
      assert.equal(res.status, 303);
      assert.ok(redirectParams(res).get('code'));
    });

    it('a wrong redirect_uri or unknown client shows an error page and never redirects', async () => {
      for (const path of [
        authorizePath({ response_type: 'code', client_id: app.id, redirect_uri: 'https://evil.example/cb', state: 's' }),
        authorizePath({ response_type: 'code', client_id: app.id, redirect_uri: `${REDIRECT}/extra` }),
        authorizePath({ response_type: 'code', client_id: app.id }), // two registered: redirect_uri required
        authorizePath({ response_type: 'code', client_id: 'no-such-client', redirect_uri: REDIRECT }),
        authorizePath({ response_type: 'code', redirect_uri: REDIRECT }),
        `${authorizePath({ response_type: 'code', client_id: app.id, redirect_uri: REDIRECT })}&redirect_uri=${encodeURIComponent('https://evil.example/')}`,
      ]) {
        const res = await web.get(path);
        assert.equal(res.status, 400, path);
        assert.equal(res.headers.get('location'), null, path);
        assert.match(res.headers.get('content-type') ?? '', /text\/html/);
        assert.doesNotMatch(res.text, /evil\.example/);
      }
    });

    it('a hostile loopback redirect_uri (backslash, user info, other spellings) gets an error page, never a redirect', async () => {
      for (const hostile of [
        'http://127.0.0.1:9000\\@evil.com/callback',
        'http://127.0.0.1:9000@evil.com/callback',
        'http://evil.com@127.0.0.1:9000/callback',
        'http://user:pw@127.0.0.1/callback',
        'http://127.0.0.1:9000%2F@evil.com/callback',
        'http://127.0.0.1.:9000/callback',
        'HTTP://127.0.0.1:9000/callback',
        'http://127.1:9000/callback',
      ]) {
        const res = await web.get(authorizePath({ response_type: 'code', client_id: app.id, redirect_uri: hostile, state: 's' }));
        assert.equal(res.status, 400, hostile);
        assert.equal(res.headers.get('location'), null, hostile);
        assert.match(res.text, /Invalid redirect address/, hostile);
        assert.doesNotMatch(res.text, /evil\.com/, hostile);
      }
    });

    it('a loopback IP redirect matches on any port (RFC 8252 §7.3), and the token request must repeat it', async () => {
      const withPort = 'http://127.0.0.1:53121/callback';
      const { verifier, challenge } = pkcePair();
      const code = await obtainCode(web, app, { redirectUri: withPort, challenge });
      const wrong = await exchange(app, code, { code_verifier: verifier });
      assert.equal(wrong.body.error, 'invalid_grant');
      const other2 = await obtainCode(web, app, { redirectUri: withPort, challenge });
      const ok = await exchange(app, other2, { code_verifier: verifier, redirect_uri: withPort });
      assert.equal(ok.status, 200);
    });

    it('errors after the redirect check go back to the client: response type, scope, PKCE, grant type', async () => {
      const { challenge } = pkcePair();
      const cases: Array<[Record<string, string>, string]> = [
        [{ response_type: 'token' }, 'unsupported_response_type'],
        [{ response_type: 'code', scope: 'admin' }, 'invalid_scope'],
        [{ response_type: 'code', code_challenge: challenge, code_challenge_method: 'plain' }, 'invalid_request'],
        [{ response_type: 'code', code_challenge: challenge }, 'invalid_request'],
        [{ response_type: 'code', code_challenge: 'short' , code_challenge_method: 'S256' }, 'invalid_request'],
      ];
      for (const [params, error] of cases) {
        const res = await web.get(authorizePath({ client_id: app.id, redirect_uri: REDIRECT, state: 'st', ...params }));
        assert.equal(res.status, 303, JSON.stringify(params));
        const q = redirectParams(res);
        assert.equal(q.get('error'), error, JSON.stringify(params));
        assert.equal(q.get('state'), 'st');
        assert.equal(q.get('iss'), server.baseUrl, 'RFC 9207: on every error redirect too');
      }
      // A public client must use PKCE.
      const pubRes = await web.get(authorizePath({ response_type: 'code', client_id: pub.id, state: 'p' }));
      assert.equal(redirectParams(pubRes).get('error'), 'invalid_request');
      assert.equal(redirectParams(pubRes).get('iss'), server.baseUrl);
      // A client without the authorization code grant that still has a redirect URL: the services
      // drop redirects without that grant, so only an older row looks like this; set it by hand.
      const cc = await makeClient(server.ctx, { types: ['authorization_code_grant', 'client_credentials_grant'], redirect: [REDIRECT] });
      await server.ctx.store.db.updateTable('clients').set({ types: JSON.stringify(['client_credentials_grant']) }).where('id', '=', cc.id).execute();
      server.ctx.invalidation.publishLocal({ kind: 'clients', ids: [cc.id] });
      const ccRes = await web.get(authorizePath({ response_type: 'code', client_id: cc.id, state: 'c' }));
      assert.equal(redirectParams(ccRes).get('error'), 'unauthorized_client');
      assert.equal(redirectParams(ccRes).get('iss'), server.baseUrl);
    });

    it('wrong or missing PKCE verifier is refused and burns the code', async () => {
      const { verifier, challenge } = pkcePair();
      const code = await obtainCode(web, app, { redirectUri: REDIRECT, challenge });
      assert.equal((await exchange(app, code)).body.error, 'invalid_grant');
      assert.equal((await exchange(app, code, { code_verifier: verifier })).body.error, 'invalid_grant');
      const code2 = await obtainCode(web, app, { redirectUri: REDIRECT, challenge });
      assert.equal((await exchange(app, code2, { code_verifier: pkcePair().verifier })).body.error, 'invalid_grant');
      assert.equal((await exchange(app, code2, { code_verifier: verifier })).body.error, 'invalid_grant');
    });

    it('a public client redeems with client_id and verifier only', async () => {
      const { verifier, challenge } = pkcePair();
      const code = await obtainCode(web, pub, { challenge });
      const res = await oauthPost(server.baseUrl, '/oauth/token', { grant_type: 'authorization_code', code, client_id: pub.id, code_verifier: verifier, redirect_uri: 'https://spa.example/cb' });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const refreshed = await oauthPost(server.baseUrl, '/oauth/token', { grant_type: 'refresh_token', refresh_token: res.body.refresh_token, client_id: pub.id });
      assert.equal(refreshed.status, 200);
    });

    it('a code cannot cross to another client, and an expired code is refused', async () => {
      const { verifier, challenge } = pkcePair();
      const code = await obtainCode(web, app, { redirectUri: REDIRECT, challenge });
      const stolen = await exchange(other, code, { code_verifier: verifier });
      assert.equal(stolen.status, 400);
      assert.equal(stolen.body.error, 'invalid_grant');
      const late = await obtainCode(web, app, { redirectUri: REDIRECT, challenge });
      await server.ctx.store.db.updateTable('authorization_codes').set({ expires_at: Date.now() - 1 }).where('consumed_at', 'is', null).execute();
      assert.equal((await exchange(app, late, { code_verifier: verifier })).body.error, 'invalid_grant');
      assert.equal((await exchange(app, 'kg_ac_garbage', { code_verifier: verifier })).body.error, 'invalid_grant');
    });

    it('50 parallel redemptions of one code give exactly one success', async () => {
      const { verifier, challenge } = pkcePair();
      const code = await obtainCode(web, app, { redirectUri: REDIRECT, challenge });
      const results = await Promise.all(Array.from({ length: 50 }, () => exchange(app, code, { code_verifier: verifier })));
      const ok = results.filter((r) => r.status === 200);
      assert.equal(ok.length, 1);
      assert.ok(results.filter((r) => r.status !== 200).every((r) => r.status === 400 && r.body.error === 'invalid_grant'));
    });
  });
}
