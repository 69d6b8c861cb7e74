/**
 * Security round 2 (docs/security.md T28): users see and withdraw the applications they authorized, over
 * real HTTP on SQLite and PostgreSQL. `GET /api/1.0/users/{id}/authorizations` lists every client
 * the user consented to or holds live access or refresh tokens from (not PATs); `DELETE
 * …/{clientId}` (204) revokes those tokens at once, drops pending codes and forgets the consent, so
 * the next authorization asks again. The owner with a session or a PAT may; another user may not;
 * an OAuth access token may not, even the owner's.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createUser, issuePat, startServer, type TestServer } from '../helpers/app.js';
import { WebClient } from '../helpers/http.js';
import { storeKinds } from '../helpers/stores.js';
import { authorize, makeClient, me, oauthPost, obtainCode, pkcePair, type TestClient } from '../http/oauth-helpers.js';

const REDIRECT = 'http://127.0.0.1:9000/callback';

function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

for (const kind of storeKinds()) {
  describe(`authorized applications API [${kind}]`, () => {
    let server: TestServer;
    let alice: { id: string; username: string; password: string };
    let bob: { id: string; username: string; password: string };
    let web: WebClient;
    let csrf: string;
    let reporting: TestClient;
    let desktop: TestClient;
    let alicePat: string;

    /** The code flow with PKCE for alice, through the login and consent pages; returns the token answer. */
    async function codeFlow(client: TestClient): Promise<{ access_token: string; refresh_token: string }> {
      const { verifier, challenge } = pkcePair();
      const code = await obtainCode(web, client, { challenge, scope: 'api' });
      const res = await oauthPost(server.baseUrl, '/oauth/token', { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier }, { basic: client });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body;
    }

    async function passwordGrant(client: TestClient): Promise<{ access_token: string; refresh_token: string }> {
      const res = await oauthPost(server.baseUrl, '/oauth/token', { grant_type: 'password', username: 'alice', password: alice.password, scope: 'api:read' }, { basic: client });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body;
    }

    const list = (userId: string, headers: Record<string, string>) => web.json('GET', `/api/1.0/users/${userId}/authorizations`, undefined, headers);
    const withdraw = (userId: string, clientId: string, headers: Record<string, string>) => web.json('DELETE', `/api/1.0/users/${userId}/authorizations/${clientId}`, undefined, headers);

    before(async () => {
      server = await startServer(kind);
      alice = await createUser(server.ctx, { username: 'alice' });
      bob = await createUser(server.ctx, { username: 'bob' });
      reporting = await makeClient(server.ctx, { name: 'Reporting', types: ['authorization_code_grant'], redirect: [REDIRECT] });
      desktop = await makeClient(server.ctx, { name: 'Desktop', types: ['password_client'] });
      web = new WebClient(server.baseUrl);
      assert.equal((await web.login('alice', alice.password)).status, 303);
      csrf = await web.csrfToken();
      alicePat = (await issuePat(server.ctx, alice.id, { name: 'script' })).token;
    });
    after(() => server.close());

    it('lists each application with its scopes, when and last use; personal access tokens are not an application', async () => {
      const code = await codeFlow(reporting);
      await passwordGrant(desktop);
      assert.equal(await me(server.baseUrl, code.access_token), 200);
      for (const headers of [bearer(alicePat), {}]) {
        const res = await list(alice.id, headers);
        assert.equal(res.status, 200, res.text);
        const body = res.json();
        assert.deepEqual(body.meta, { total: 2, page: 1, per_page: 15 });
        assert.deepEqual(
          body.data.map((a: { client_name: string }) => a.client_name),
          ['Desktop', 'Reporting'],
          'by name; the Personal Access Client of the PAT is not listed',
        );
        for (const a of body.data) assert.deepEqual(Object.keys(a).sort(), ['client_id', 'client_name', 'created_at', 'last_used_at', 'scopes']);
        const [d, r] = body.data;
        assert.equal(r.client_id, reporting.id);
        assert.deepEqual(r.scopes, ['api']);
        assert.deepEqual(d.scopes, ['api:read']);
        assert.match(r.created_at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
        assert.match(r.last_used_at, /Z$/, 'the access token was used');
        assert.equal(d.last_used_at, null);
      }
      const doc = (await web.get('/api/1.0/openapi.json')).json();
      assert.ok(doc.paths['/users/{id}/authorizations']?.get);
      assert.ok(doc.paths['/users/{id}/authorizations/{clientId}']?.delete);
    });

    it("refuses another user, and an OAuth access token even the owner's; administrators may", async () => {
      const code = await codeFlow(reporting);
      const bobPat = (await issuePat(server.ctx, bob.id, { name: 'bob script' })).token;
      assert.equal((await list(alice.id, bearer(bobPat))).status, 403);
      assert.equal((await withdraw(alice.id, reporting.id, bearer(bobPat))).status, 403);
      const own = await list(alice.id, bearer(code.access_token));
      assert.equal(own.status, 403);
      assert.match(own.json().message, /browser session or a personal access token/);
      assert.equal((await withdraw(alice.id, reporting.id, bearer(code.access_token))).status, 403);
      assert.equal(await me(server.baseUrl, code.access_token), 200, 'the refusal revoked nothing');
      const adminPat = (await issuePat(server.ctx, server.admin.id, { name: 'admin script' })).token;
      assert.equal((await list(alice.id, bearer(adminPat))).status, 200);
      assert.equal((await list('00000000-0000-4000-8000-000000000000', bearer(adminPat))).status, 404);
      assert.equal((await withdraw(alice.id, '00000000-0000-4000-8000-000000000000', bearer(adminPat))).status, 404);
    });

    it('withdraws an application: its tokens and pending codes are refused at once, PATs and other apps stay, consent is asked again', async () => {
      const tokens = await codeFlow(reporting);
      const pending = await obtainCode(web, reporting, { challenge: pkcePair().challenge, scope: 'api' });
      const other = await passwordGrant(desktop);
      assert.equal(await me(server.baseUrl, tokens.access_token), 200);
      const res = await withdraw(alice.id, reporting.id, { 'x-csrf-token': csrf });
      assert.equal(res.status, 204, res.text);
      assert.equal(await me(server.baseUrl, tokens.access_token), 401, 'the access token is refused on the very next request');
      const refresh = await oauthPost(server.baseUrl, '/oauth/token', { grant_type: 'refresh_token', refresh_token: tokens.refresh_token }, { basic: reporting });
      assert.equal(refresh.body.error, 'invalid_grant');
      const redeem = await oauthPost(server.baseUrl, '/oauth/token', { grant_type: 'authorization_code', code: pending, redirect_uri: REDIRECT, code_verifier: 'x'.repeat(43) }, { basic: reporting });
      assert.equal(redeem.body.error, 'invalid_grant');
      assert.equal(await me(server.baseUrl, alicePat), 200, 'personal access tokens stay');
      assert.equal(await me(server.baseUrl, other.access_token), 200, "another application's tokens stay");
      const names = (await list(alice.id, {})).json().data.map((a: { client_name: string }) => a.client_name);
      assert.deepEqual(names, ['Desktop']);
      // The next authorization request shows the consent page again.
      const again = await authorize(web, { response_type: 'code', client_id: reporting.id, redirect_uri: REDIRECT, scope: 'api', state: 's', code_challenge: pkcePair().challenge, code_challenge_method: 'S256' }, 'deny');
      assert.equal(again.status, 303);
      assert.equal(new URL(again.headers.get('location')!).searchParams.get('error'), 'access_denied', 'the consent page was shown (and denied)');
      const audit = await server.ctx.services.auditLog.list({ kind: 'system', name: 'cli' }, { page: 1, perPage: 5, type: 'authorization.revoked' });
      assert.equal(audit.data[0]?.subjectId, alice.id);
      const details = audit.data[0]?.details as { client_id: string; client_name: string; tokens_revoked: number };
      assert.deepEqual({ ...details, tokens_revoked: 0 }, { client_id: reporting.id, client_name: 'Reporting', tokens_revoked: 0 });
      assert.ok(details.tokens_revoked >= 2, 'the access and refresh tokens of this test, and those of the earlier ones');
      assert.equal((await withdraw(alice.id, reporting.id, { 'x-csrf-token': csrf })).status, 404, 'nothing left to withdraw');
    });
  });
}
