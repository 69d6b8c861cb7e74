/**
 * Security round 2 (docs/security.md T29): a password change (PUT /api/1.0/users/{id} with a new password)
 * ends the user's other console sessions and revokes their access and refresh tokens at once (the
 * refresh token no longer rotates); personal access tokens survive unless
 * `"revoke_personal_access_tokens": true`. An administrator changing their own password keeps the
 * session they did it with. On SQLite and PostgreSQL, over real HTTP.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createUser, issuePat, startServer, type TestServer } from '../helpers/app.js';
import { WebClient } from '../helpers/http.js';
import { storeKinds } from '../helpers/stores.js';
import { makeClient, me, oauthPost, type TestClient } from '../http/oauth-helpers.js';

for (const kind of storeKinds()) {
  describe(`password change ends sessions and tokens [${kind}]`, () => {
    let server: TestServer;
    let admin: WebClient;
    let adminCsrf: string;
    let desktop: TestClient;
    const put = (id: string, body: unknown) => admin.json('PUT', `/api/1.0/users/${id}`, body, { 'x-csrf-token': adminCsrf });
    const signIn = async (username: string, password: string) => {
      const web = new WebClient(server.baseUrl);
      assert.equal((await web.login(username, password)).status, 303);
      return web;
    };
    const grant = async (username: string, password: string) => {
      const res = await oauthPost(server.baseUrl, '/oauth/token', { grant_type: 'password', username, password }, { basic: desktop });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body as { access_token: string; refresh_token: string };
    };
    const signedIn = async (web: WebClient) => (await web.get('/profile/tokens')).status === 200;

    before(async () => {
      server = await startServer(kind);
      admin = await signIn('admin', server.admin.password);
      adminCsrf = await admin.csrfToken();
      desktop = await makeClient(server.ctx, { name: 'Desktop app', types: ['password_client'] });
    });
    after(() => server.close());

    it("ends the user's sessions, access and refresh tokens at once; personal access tokens stay unless asked", async () => {
      const erin = await createUser(server.ctx, { username: 'erin' });
      const session = await signIn('erin', erin.password);
      const tokens = await grant('erin', erin.password);
      const pat = (await issuePat(server.ctx, erin.id, { name: 'erin script' })).token;
      assert.equal(await me(server.baseUrl, tokens.access_token), 200, 'cached by the token check');

      assert.equal((await put(erin.id, { password: 'a brand new password' })).status, 200);
      assert.equal(await signedIn(session), false, 'the console session ended');
      assert.equal(await me(server.baseUrl, tokens.access_token), 401, 'the access token is refused on the very next request');
      const refresh = await oauthPost(server.baseUrl, '/oauth/token', { grant_type: 'refresh_token', refresh_token: tokens.refresh_token }, { basic: desktop });
      assert.equal(refresh.status, 400);
      assert.equal(refresh.body.error, 'invalid_grant', 'the refresh token no longer rotates');
      assert.equal(await me(server.baseUrl, pat), 200, 'personal access tokens survive by default');
      assert.equal((await new WebClient(server.baseUrl).login('erin', erin.password)).status, 401, 'the old password is refused');

      const fresh = await grant('erin', 'a brand new password');
      assert.equal((await put(erin.id, { password: 'and another password', revoke_personal_access_tokens: true })).status, 200);
      assert.equal(await me(server.baseUrl, pat), 401, 'revoke_personal_access_tokens: true revokes them too');
      assert.equal(await me(server.baseUrl, fresh.access_token), 401);
      const audit = await server.ctx.audit.list({ page: 1, perPage: 1, type: 'user.updated' });
      assert.deepEqual(
        { ...audit.data[0]?.details, tokens_revoked: 0 },
        { username: 'erin', changed: ['password'], administrator: false, permissions: [], password_changed: true, sessions_ended: 0, tokens_revoked: 0, personal_access_tokens_revoked: 1 },
      );
    });

    it('keeps the session an administrator changed their own password with, and ends their others', async () => {
      const other = await signIn('admin', server.admin.password);
      assert.equal((await put(server.admin.id, { password: 'the administrator renewed' })).status, 200);
      assert.equal(await signedIn(admin), true, 'the session that made the change stays');
      assert.equal(await signedIn(other), false, 'the other session ended');
    });
  });
}
