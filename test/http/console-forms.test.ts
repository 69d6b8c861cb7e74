/**
 * The console's forms over real HTTP on SQLite and PostgreSQL: post/redirect/get everywhere, a
 * secret or token shown once from a sealed one-time result (a reload says "already shown" and acts
 * on nothing; another session cannot take it), Regenerate and a token-ending edit need Confirm,
 * per-row token revocation, an expired form shown again with what was typed, and a forged form
 * refused as the API refuses it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CLI_ACTOR } from '../../src/services/actor.js';
import { createClient, createUser, issuePat, startServer, type TestServer } from '../helpers/app.js';
import { WebClient } from '../helpers/http.js';
import { mintToken } from '../helpers/mint-token.js';
import { storeKinds } from '../helpers/stores.js';
import { basicHeader } from './oauth-helpers.js';

const SECRET = /<code id="client-secret">(kg_cs_\w+)<\/code>/;
const TOKEN = /<code id="new-token">(kg_pat_\w+)<\/code>/;

for (const kind of storeKinds()) {
  describe(`console forms [${kind}]`, () => {
    let server: TestServer;
    let admin: WebClient;
    const csrf = async (web: WebClient, path: string) => WebClient.csrfFrom((await web.get(path)).text);
    const me = (token: string) => fetch(`${server.baseUrl}/api/1.0/users/me`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);
    const clientCredentials = (id: string, secret: string) =>
      fetch(`${server.baseUrl}/oauth/token`, { method: 'POST', headers: { authorization: basicHeader(id, secret), 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' }).then((r) => r.status);
    /** Refused on the next request (SQLite) or once NOTIFY arrives (PostgreSQL, within 1 s). */
    const refusedSoon = async (token: string) => {
      const started = Date.now();
      while ((await me(token)) !== 401) {
        assert.ok(Date.now() - started < 1000, 'refused within 1 s');
        await new Promise((r) => setTimeout(r, 10));
      }
    };

    before(async () => {
      server = await startServer(kind);
      admin = new WebClient(server.baseUrl);
      await admin.login('admin', server.admin.password);
    });
    after(() => server?.close());

    it('creating a client redirects to its page, which shows the secret once; a reload shows it was already shown', async () => {
      const made = await admin.postForm('/admin/auth-clients', { _csrf: await csrf(admin, '/admin/auth-clients/new'), name: `Reload ${kind}`, types: 'client_credentials_grant', redirect: '' });
      assert.equal(made.status, 303);
      const location = made.headers.get('location')!;
      const client = (await server.ctx.clients.findByName(`Reload ${kind}`))!;
      assert.match(location, new RegExp(`^/admin/auth-clients/${client.id}\\?shown=[\\w-]{22}$`));
      const rows = await server.ctx.store.db.selectFrom('one_time_results').select(['sealed']).execute();
      const first = await admin.get(location);
      assert.equal(first.status, 200);
      assert.equal(first.headers.get('cache-control'), 'no-store');
      const secret = SECRET.exec(first.text)![1]!;
      assert.ok(!JSON.stringify(rows).includes(secret), 'sealed at rest');
      assert.equal(await clientCredentials(client.id, secret), 200);
      assert.match(first.text, /Auth Client “Reload \w+” was created\./);

      const again = await admin.get(location);
      assert.equal(again.status, 200);
      assert.doesNotMatch(again.text, /kg_cs_/);
      assert.match(again.text, /This secret was shown once and cannot be shown again/);
      assert.equal((await server.ctx.services.clients.list(CLI_ACTOR, { page: 1, perPage: 100, filter: `Reload ${kind}` })).total, 1, 'no second client');
      assert.equal(await server.ctx.store.db.selectFrom('one_time_results').select('id').executeTakeFirst(), undefined, 'deleted once shown');
    });

    it('another session cannot take a one-time result, even with its address', async () => {
      const made = await admin.postForm('/admin/auth-clients', { _csrf: await csrf(admin, '/admin/auth-clients/new'), name: `Stolen ${kind}`, types: 'password_client' });
      const location = made.headers.get('location')!;
      const other = new WebClient(server.baseUrl);
      await other.login('admin', server.admin.password);
      const stolen = await other.get(location);
      assert.doesNotMatch(stolen.text, /kg_cs_/);
      assert.match(stolen.text, /shown once and cannot be shown again/);
      assert.match((await admin.get(location)).text, SECRET, 'the session that made it still gets it');
    });

    it('a public client lands on its page with its id and no secret', async () => {
      const made = await admin.postForm('/admin/auth-clients', {
        _csrf: await csrf(admin, '/admin/auth-clients/new'), name: `SPA ${kind}`, types: 'authorization_code_grant', redirect: 'http://127.0.0.1:5173/cb', public: '1',
      });
      const client = (await server.ctx.clients.findByName(`SPA ${kind}`))!;
      assert.equal(made.headers.get('location'), `/admin/auth-clients/${client.id}`);
      const page = await admin.get(made.headers.get('location')!);
      assert.match(page.text, new RegExp(`<code id="client-id-value">${client.id}</code>`));
      assert.match(page.text, /Auth Client “SPA \w+” was created\./);
      assert.match(page.text, /-d &quot;client_id=\$CLIENT_ID&quot;/, 'the quickstart of a public client sends only its id');
      assert.doesNotMatch(page.text, /CLIENT_SECRET/);
    });

    it('regenerating asks for Confirm with an hour of grace preselected; a reload of the result does not regenerate again', async () => {
      const { client, secret } = await createClient(server.ctx, { name: `Rotate ${kind}`, types: ['client_credentials_grant'] });
      const confirm = await admin.get(`/admin/auth-clients/${client.id}/secret`);
      assert.equal(confirm.status, 200);
      assert.match(confirm.text, /<option value="3600" selected>/);
      assert.match(confirm.text, />Confirm</);
      assert.equal(await clientCredentials(client.id, secret!), 200, 'nothing happens before Confirm');
      const done = await admin.postForm(`/admin/auth-clients/${client.id}/secret`, { _csrf: WebClient.csrfFrom(confirm.text), grace_period: '3600' });
      assert.equal(done.status, 303);
      const page = await admin.get(done.headers.get('location')!);
      const fresh = SECRET.exec(page.text)![1]!;
      assert.match(page.text, /The old one keeps working for 1 hour\./);
      assert.equal(await clientCredentials(client.id, fresh), 200);
      assert.equal(await clientCredentials(client.id, secret!), 200, 'the grace period keeps the old secret');
      const reload = await admin.get(done.headers.get('location')!);
      assert.match(reload.text, /shown once and cannot be shown again/);
      assert.equal(await clientCredentials(client.id, fresh), 200, 'the reload regenerated nothing');
      const events = await server.ctx.services.auditLog.list(CLI_ACTOR, { page: 1, perPage: 50, type: 'client.secret_regenerated' });
      assert.equal(events.data.filter((e) => e.subjectId === client.id).length, 1);
    });

    it('an edit that removes a grant with active tokens shows the count and saves only on Confirm', async () => {
      const { client } = await createClient(server.ctx, { name: `Grants ${kind}`, types: ['password_client', 'client_credentials_grant'], redirect: [] });
      const tokens = [await mintToken(server.ctx, { userId: null, clientId: client.id })];
      const form = await admin.get(`/admin/auth-clients/${client.id}/edit`);
      const fields = { _csrf: WebClient.csrfFrom(form.text), name: client.name, types: 'password_client', redirect: '' };
      const asked = await admin.postForm(`/admin/auth-clients/${client.id}`, fields);
      assert.equal(asked.status, 200);
      assert.match(asked.text, /<strong id="tokens-ended">1<\/strong> active token issued through it will stop working immediately, for good/);
      assert.match(asked.text, /name="confirmed" value="1"/);
      assert.equal(await me(tokens[0]!), 403, 'still valid before Confirm (403: a client token has no user)');
      assert.deepEqual((await server.ctx.clients.findById(client.id))!.types, ['password_client', 'client_credentials_grant']);
      const saved = await admin.postForm(`/admin/auth-clients/${client.id}`, { ...fields, _csrf: WebClient.csrfFrom(asked.text), confirmed: '1' });
      assert.equal(saved.status, 303);
      assert.equal(saved.headers.get('location'), `/admin/auth-clients/${client.id}`);
      assert.match((await admin.get(saved.headers.get('location')!)).text, /was saved\. 1 active token stopped working\./);
      await refusedSoon(tokens[0]!);
      // An edit that ends nothing saves at once.
      const plain = await admin.postForm(`/admin/auth-clients/${client.id}`, { ...fields, _csrf: await csrf(admin, `/admin/auth-clients/${client.id}/edit`), name: `Grants ${kind} renamed` });
      assert.equal(plain.status, 303);
    });

    it('keeps the list search through edit and save, and reports a duplicate name with the other errors at once', async () => {
      const { client } = await createClient(server.ctx, { name: `Searchable ${kind}`, types: ['client_credentials_grant'] });
      const back = `/admin/auth-clients?filter=searchable`;
      const list = await admin.get(back);
      assert.ok(list.text.includes(`/admin/auth-clients/${client.id}/edit?back=${encodeURIComponent(back)}`));
      const form = await admin.get(`/admin/auth-clients/${client.id}/edit?back=${encodeURIComponent(back)}`);
      assert.match(form.text, /name="back" value="\/admin\/auth-clients\?filter=searchable"/);
      const saved = await admin.postForm(`/admin/auth-clients/${client.id}`, { _csrf: WebClient.csrfFrom(form.text), back, name: client.name, types: 'client_credentials_grant' });
      assert.equal(saved.headers.get('location'), `/admin/auth-clients/${client.id}?back=${encodeURIComponent(back)}`);
      assert.match((await admin.get(saved.headers.get('location')!)).text, /<a href="\/admin\/auth-clients\?filter=searchable">← Auth Clients<\/a>/);
      const offsite = await admin.postForm(`/admin/auth-clients/${client.id}`, { _csrf: WebClient.csrfFrom(form.text), back: 'https://evil.example/', name: client.name, types: 'client_credentials_grant' });
      assert.equal(offsite.headers.get('location'), `/admin/auth-clients/${client.id}`, 'never sent off-site');

      const dup = await admin.postForm('/admin/auth-clients', {
        _csrf: await csrf(admin, '/admin/auth-clients/new'), name: `searchable ${kind.toUpperCase()}`, types: 'authorization_code_grant', redirect: 'http://a.example/cb\nnot a url',
      });
      assert.equal(dup.status, 422);
      assert.match(dup.text, /The Name has already been taken\./);
      assert.match(dup.text, /Redirect URL 1 \(http:\/\/a\.example\/cb\) must use https/);
      assert.match(dup.text, /Redirect URL 2 \(not a url\) is not a valid absolute URL\./);
      assert.match(dup.text, /<legend>Grant types<\/legend>/);
      const none = await admin.postForm('/admin/auth-clients', { _csrf: await csrf(admin, '/admin/auth-clients/new'), name: 'x' });
      assert.match(none.text, /Choose at least one grant type\./);
    });

    it('pages stay in range: past the last page goes to the last one; page sizes and first/last links', async () => {
      for (let i = 0; i < 17; i++) await createClient(server.ctx, { name: `Paged ${kind} ${String(i).padStart(2, '0')}`, types: ['client_credentials_grant'] });
      const far = await admin.get('/admin/auth-clients?filter=paged&page=99');
      assert.equal(far.status, 303);
      assert.equal(far.headers.get('location'), '/admin/auth-clients?filter=paged&page=2');
      const last = await admin.get(far.headers.get('location')!);
      assert.match(last.text, /Showing 16–17 of 17/);
      assert.match(last.text, /href="\/admin\/auth-clients\?filter=paged" *>First</);
      const big = await admin.get('/admin/auth-clients?filter=paged&per_page=50');
      assert.match(big.text, /Showing 1–17 of 17/);
      assert.match(big.text, /<strong aria-current="true">50<\/strong>/);
      const none = await admin.get('/admin/auth-clients?filter=nothing-at-all');
      assert.match(none.text, /No Auth Client matches “nothing-at-all”\./);
      assert.doesNotMatch(none.text, /Showing 0/);
    });

    it('a form whose CSRF token expired is shown again with what was typed, and nothing is done', async () => {
      const res = await admin.postForm('/admin/auth-clients', { _csrf: 'expired-token', name: `Expired ${kind}`, types: ['password_client', 'client_credentials_grant'] });
      assert.equal(res.status, 403);
      assert.match(res.text, /This form has expired/);
      assert.match(res.text, new RegExp(`value="Expired ${kind}"`));
      assert.match(res.text, /value="client_credentials_grant" checked/);
      assert.equal(await server.ctx.clients.findByName(`Expired ${kind}`), null);
      // Submitting it again from that page works.
      const again = await admin.postForm('/admin/auth-clients', { _csrf: WebClient.csrfFrom(res.text), name: `Expired ${kind}`, types: 'password_client' });
      assert.equal(again.status, 303);

      const pat = await admin.postForm('/profile/tokens', { _csrf: 'expired-token', name: 'kept name', scopes: 'api:read', expiry: '30' });
      assert.equal(pat.status, 403);
      assert.match(pat.text, /value="kept name"/);
      assert.match(pat.text, /This form has expired/);
      const user = await createUser(server.ctx, { username: `olga-${kind}` });
      const account = await admin.postForm(`/admin/users/${user.id}`, { _csrf: 'expired-token', permissions: 'edit-auth_clients', password: 'new password here' });
      assert.equal(account.status, 403);
      assert.match(account.text, /value="edit-auth_clients" checked/);
      assert.deepEqual((await server.ctx.users.findById(user.id))!.grantedPermissions, []);
      // Forms that do not opt in keep the plain page.
      const logout = await admin.postForm('/logout', { _csrf: 'expired-token' });
      assert.equal(logout.status, 403);
      assert.match(logout.text, /This form has expired/);
    });

    it('creating a personal access token redirects; the token shows once and a reload creates nothing (My API tokens and a user page)', async () => {
      const made = await admin.postForm('/profile/tokens', { _csrf: await csrf(admin, '/profile/tokens'), name: `mine ${kind}`, scopes: 'api', expiry: 'never' });
      assert.equal(made.status, 303);
      assert.match(made.headers.get('location')!, /^\/profile\/tokens\?shown=/);
      const page = await admin.get(made.headers.get('location')!);
      const token = TOKEN.exec(page.text)![1]!;
      assert.equal(await me(token), 200);
      const reload = await admin.get(made.headers.get('location')!);
      assert.doesNotMatch(reload.text, /kg_pat_\w{40}/);
      assert.match(reload.text, /This token was shown once and cannot be shown again/);
      const mine = await server.ctx.services.pats.list(CLI_ACTOR, server.admin.id, { page: 1, perPage: 100 });
      assert.equal(mine.data.filter((p) => p.name === `mine ${kind}`).length, 1);

      const user = await createUser(server.ctx, { username: `pia-${kind}` });
      const forUser = await admin.postForm(`/admin/users/${user.id}/tokens`, { _csrf: await csrf(admin, `/admin/users/${user.id}`), name: 'made for pia', expiry: '30' });
      assert.equal(forUser.status, 303);
      const shown = await admin.get(forUser.headers.get('location')!);
      assert.equal(shown.headers.get('cache-control'), 'no-store');
      assert.ok(TOKEN.exec(shown.text));
      assert.match((await admin.get(forUser.headers.get('location')!)).text, /shown once and cannot be shown again/);
      assert.equal((await server.ctx.services.pats.list(CLI_ACTOR, user.id, { page: 1, perPage: 10 })).total, 1);
    });

    it('revokes one token from its row on the Tokens page, after Confirm', async () => {
      const user = await createUser(server.ctx, { username: `rita-${kind}` });
      const { token, id } = await issuePat(server.ctx, user.id, { name: 'row revoke' });
      assert.equal(await me(token), 200);
      const list = await admin.get(`/admin/tokens?user=rita-${kind}`);
      assert.ok(list.text.includes(`href="/admin/tokens/${id}/revoke"`));
      const confirm = await admin.get(`/admin/tokens/${id}/revoke`);
      assert.match(confirm.text, /row revoke/);
      assert.match(confirm.text, />Confirm</);
      assert.equal(await me(token), 200, 'nothing before Confirm');
      const done = await admin.postForm(`/admin/tokens/${id}/revoke`, { _csrf: WebClient.csrfFrom(confirm.text) });
      assert.equal(done.status, 303);
      await refusedSoon(token);
      const again = await admin.postForm(`/admin/tokens/${id}/revoke`, { _csrf: WebClient.csrfFrom(confirm.text) });
      assert.equal(again.status, 303);
      assert.match((await admin.get('/admin/tokens')).text, /does not exist or was already revoked/);
      // The client filter is a text field (id or name), as the user filter is.
      const byName = await admin.get(`/admin/tokens?client=${encodeURIComponent('Personal Access Client')}`);
      assert.match(byName.text, /<input type="text" id="filter-client" name="client" value="Personal Access Client"/);
      const unknown = await admin.get('/admin/tokens?client=no-such-client');
      assert.match(unknown.text, /No client with the id or name &quot;no-such-client&quot;\./);
    });

    it('a forged console form cannot do what the API refuses, and a confirmed one still revokes', async () => {
      const eve = await createUser(server.ctx, { username: `eve-${kind}`, permissions: ['edit-auth_clients', 'view-auth_clients'] });
      const web = new WebClient(server.baseUrl);
      await web.login(eve.username, eve.password);
      const { client } = await createClient(server.ctx, { name: `Forged ${kind}`, types: ['password_client', 'client_credentials_grant'] });
      const token = await mintToken(server.ctx, { userId: null, clientId: client.id });
      const form = await web.get(`/admin/auth-clients/${client.id}/edit`);
      const _csrf = WebClient.csrfFrom(form.text);
      const trusted = await web.postForm(`/admin/auth-clients/${client.id}`, { _csrf, confirmed: '1', name: client.name, types: ['password_client', 'client_credentials_grant'], trusted: '1' });
      assert.equal(trusted.status, 403);
      const eveToken = await mintToken(server.ctx, { userId: eve.id });
      const api = await fetch(`${server.baseUrl}/api/1.0/oauth/clients/${client.id}`, {
        method: 'PUT', headers: { authorization: `Bearer ${eveToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: client.name, types: client.types, trusted: true }),
      });
      assert.equal(api.status, 403, 'the API refuses the same change');
      assert.equal((await server.ctx.clients.findById(client.id))!.trusted, false);
      // Skipping the confirmation page does not skip the rule: the grant's tokens are revoked.
      const skipped = await web.postForm(`/admin/auth-clients/${client.id}`, { _csrf, confirmed: '1', name: client.name, types: 'password_client' });
      assert.equal(skipped.status, 303);
      assert.equal(await server.ctx.tokenCheck.check(token), null, 'the grant removal revoked the token');
    });
  });
}
