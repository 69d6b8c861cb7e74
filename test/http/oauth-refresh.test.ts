/**
 * Refresh-token rotation and reuse detection, revocation (RFC 7009) and introspection (RFC 7662)
 * over real HTTP on SQLite and PostgreSQL; client deletion and grant removal end tokens at once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hashSecret } from '../../src/domain/secret.js';
import { MAX_SUCCESSORS } from '../../src/oauth/grants/refresh-token.js';
import { CLI_ACTOR } from '../../src/services/actor.js';
import { createUser, startServer, updateClient, type TestServer } from '../helpers/app.js';
import { storeKinds } from '../helpers/stores.js';
import { bodyAuth, makeClient, me, oauthPost, type TestClient } from './oauth-helpers.js';

for (const kind of storeKinds()) {
  describe(`refresh, revocation and introspection [${kind}]`, () => {
    let server: TestServer;
    let pw: TestClient;
    let other: TestClient;
    let resource: TestClient;
    let erin: { id: string; username: string; password: string };

    before(async () => {
      server = await startServer(kind);
      pw = await makeClient(server.ctx, { types: ['password_client', 'client_credentials_grant'] });
      other = await makeClient(server.ctx, { types: ['password_client'] });
      resource = await makeClient(server.ctx, { types: ['client_credentials_grant'], introspectAll: true });
      erin = await createUser(server.ctx, { username: 'erin', permissions: ['view-auth_clients', 'create-auth_clients'] });
    });
    after(async () => server?.close());

    const login = async (client: TestClient = pw, scope?: string) => {
      const res = await oauthPost(server.baseUrl, '/oauth/token', {
        grant_type: 'password', username: 'erin', password: erin.password, ...(scope ? { scope } : {}), ...bodyAuth(client),
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body as { access_token: string; refresh_token: string; scope: string };
    };
    const refresh = (token: string, client: TestClient = pw, extra: Record<string, string> = {}) =>
      oauthPost(server.baseUrl, '/oauth/token', { grant_type: 'refresh_token', refresh_token: token, ...bodyAuth(client), ...extra });
    const introspect = (token: string, client: TestClient) => oauthPost(server.baseUrl, '/oauth/introspect', { token, ...bodyAuth(client) });
    const revoke = (token: string, client: TestClient) => oauthPost(server.baseUrl, '/oauth/revoke', { token, ...bodyAuth(client) });

    it('rotates: each refresh gives a new refresh token and retires the old one; reuse revokes the family', async () => {
      const first = await login();
      const second = await refresh(first.refresh_token);
      assert.equal(second.status, 200);
      assert.notEqual(second.body.refresh_token, first.refresh_token);
      assert.equal(await me(server.baseUrl, second.body.access_token), 200);
      const third = await refresh(second.body.refresh_token);
      assert.equal(third.status, 200);
      // The retired second refresh token comes back: the whole family ends.
      const reuse = await refresh(second.body.refresh_token);
      assert.equal(reuse.status, 400);
      assert.equal(reuse.body.error, 'invalid_grant');
      for (const token of [first.access_token, second.body.access_token, third.body.access_token]) assert.equal(await me(server.baseUrl, token), 401);
      assert.equal((await refresh(third.body.refresh_token)).body.error, 'invalid_grant');
    });

    it('a refresh token introspected before its rotation is inactive right after it', async () => {
      const tokens = await login();
      for (let i = 0; i < 2; i++) assert.equal((await introspect(tokens.refresh_token, pw)).body.active, true);
      const rotated = await refresh(tokens.refresh_token);
      assert.equal(rotated.status, 200);
      assert.deepEqual((await introspect(tokens.refresh_token, pw)).body, { active: false });
      assert.equal((await introspect(rotated.body.refresh_token, pw)).body.active, true);
      // The access token of the rotated response still works: rotation retires only the refresh token.
      assert.equal((await introspect(tokens.access_token, pw)).body.active, true);
    });

    it('a refresh token works only for its client; scope can narrow but not widen', async () => {
      const tokens = await login(pw, 'api:read');
      const stolen = await refresh(tokens.refresh_token, other);
      assert.equal(stolen.body.error, 'invalid_grant');
      assert.equal((await refresh(tokens.refresh_token, pw, { scope: 'api' })).body.error, 'invalid_scope');
      const ok = await refresh(tokens.refresh_token, pw, { scope: 'api:read' });
      assert.equal(ok.status, 200);
      assert.equal(ok.body.scope, 'api:read');
      // api:read allows GET only: a write erin may make with `api` is refused for scope alone.
      const createClient = (token: string, name: string) =>
        fetch(`${server.baseUrl}/api/1.0/oauth/clients`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ name, types: ['client_credentials_grant'] }),
        });
      const readOnly = await createClient(ok.body.access_token, 'Made with api:read');
      assert.equal(readOnly.status, 403, await readOnly.text());
      assert.match(readOnly.headers.get('www-authenticate') ?? '', /error="insufficient_scope"/);
      const full = await createClient((await login(pw, 'api')).access_token, 'Made with api');
      assert.equal(full.status, 201, await full.text());
      assert.equal(await me(server.baseUrl, ok.body.access_token), 200, 'reads still work');
    });

    it('50 parallel refreshes of one token give exactly one success and no forked family', async () => {
      const tokens = await login();
      const results = await Promise.all(Array.from({ length: 50 }, () => refresh(tokens.refresh_token)));
      const ok = results.filter((r) => r.status === 200);
      assert.equal(ok.length, 1);
      assert.ok(results.filter((r) => r.status !== 200).every((r) => r.body.error === 'invalid_grant'));
      // The losers' reuse ended the family: nothing of it lives on.
      assert.equal((await refresh(ok[0]!.body.refresh_token)).body.error, 'invalid_grant');
      assert.equal(await me(server.baseUrl, ok[0]!.body.access_token), 401);
    });

    it('introspection: own tokens, resource servers see all, others learn nothing', async () => {
      const tokens = await login();
      const own = await introspect(tokens.access_token, pw);
      assert.equal(own.status, 200);
      assert.equal(own.headers.get('cache-control'), 'no-store');
      assert.equal(own.body.active, true);
      assert.equal(own.body.client_id, pw.id);
      assert.equal(own.body.username, 'erin');
      assert.equal(own.body.sub, erin.id);
      assert.equal(own.body.token_type, 'Bearer');
      assert.equal(own.body.kind, 'access_token');
      assert.equal(own.body.scope, 'api');
      assert.ok(own.body.exp > own.body.iat && Math.abs(own.body.iat - Date.now() / 1000) < 60);
      assert.equal((await introspect(tokens.refresh_token, pw)).body.kind, 'refresh_token');
      assert.deepEqual((await introspect(tokens.access_token, other)).body, { active: false });
      assert.equal((await introspect(tokens.access_token, resource)).body.active, true);
      assert.deepEqual((await introspect('kg_at_unknown', pw)).body, { active: false });
      const cc = await oauthPost(server.baseUrl, '/oauth/token', { grant_type: 'client_credentials', ...bodyAuth(pw) });
      const ccInfo = (await introspect(cc.body.access_token, pw)).body;
      assert.equal(ccInfo.sub, pw.id);
      assert.equal(ccInfo.username, undefined);
      // Authentication is required.
      const anon = await oauthPost(server.baseUrl, '/oauth/introspect', { token: tokens.access_token });
      assert.equal(anon.status, 401);
      assert.equal(anon.body.error, 'invalid_client');
      const pub = await makeClient(server.ctx, { types: ['authorization_code_grant'], redirect: ['https://x.example/cb'], confidential: false });
      assert.equal((await oauthPost(server.baseUrl, '/oauth/introspect', { token: tokens.access_token, client_id: pub.id })).status, 401);
    });

    it('revocation: 200 for unknown tokens; other clients cannot revoke; a refresh token takes its access tokens along', async () => {
      const unknown = await revoke('kg_at_not-a-token', pw);
      assert.equal(unknown.status, 200);
      const tokens = await login();
      assert.equal((await revoke(tokens.access_token, other)).status, 200);
      assert.equal(await me(server.baseUrl, tokens.access_token), 200);
      assert.equal((await revoke(tokens.refresh_token, pw)).status, 200);
      assert.equal(await me(server.baseUrl, tokens.access_token), 401);
      assert.deepEqual((await introspect(tokens.refresh_token, pw)).body, { active: false });
      assert.equal((await refresh(tokens.refresh_token)).body.error, 'invalid_grant');
      const single = await login();
      assert.equal((await revoke(single.access_token, pw)).status, 200);
      assert.equal(await me(server.baseUrl, single.access_token), 401);
      assert.equal((await refresh(single.refresh_token)).status, 200, 'revoking an access token leaves its refresh token');
      assert.equal((await oauthPost(server.baseUrl, '/oauth/revoke', { ...bodyAuth(pw) })).body.error, 'invalid_request');
    });

    it('removing a grant type or deleting the client ends its tokens at once', async () => {
      const app = await makeClient(server.ctx, { name: 'Shortlived', types: ['password_client', 'client_credentials_grant'] });
      const user = await login(app);
      const cc = (await oauthPost(server.baseUrl, '/oauth/token', { grant_type: 'client_credentials', ...bodyAuth(app) })).body.access_token as string;
      assert.equal(await me(server.baseUrl, user.access_token), 200);
      await updateClient(server.ctx, app.id, { name: 'Shortlived', types: ['client_credentials_grant'] });
      assert.equal(await me(server.baseUrl, user.access_token), 401);
      assert.equal((await refresh(user.refresh_token, app)).body.error, 'unauthorized_client');
      assert.deepEqual((await introspect(cc, resource)).body.active, true);
      await server.ctx.services.clients.delete(CLI_ACTOR, app.id);
      assert.deepEqual((await introspect(cc, resource)).body, { active: false });
    });
  });

  describe(`refresh grace window [${kind}]`, () => {
    let server: TestServer;
    let pw: TestClient;
    let user: { password: string };

    before(async () => {
      server = await startServer(kind, { env: { KEYGATE_REFRESH_GRACE: '5' } });
      pw = await makeClient(server.ctx, { types: ['password_client'] });
      user = await createUser(server.ctx, { username: 'frank' });
    });
    after(async () => server?.close());

    const password = () => oauthPost(server.baseUrl, '/oauth/token', { grant_type: 'password', username: 'frank', password: user.password, ...bodyAuth(pw) });
    const refresh = (token: string) => oauthPost(server.baseUrl, '/oauth/token', { grant_type: 'refresh_token', refresh_token: token, ...bodyAuth(pw) });
    /** Moves every rotation of this family out of the window, as if `KEYGATE_REFRESH_GRACE` seconds had passed. */
    const endWindow = async (refreshToken: string) => {
      const { grant_id: grantId } = await server.ctx.store.db.selectFrom('tokens').select('grant_id').where('token_hash', '=', hashSecret(refreshToken)).executeTakeFirstOrThrow();
      await server.ctx.store.db.updateTable('tokens').set({ rotated_at: Date.now() - 60_000 }).where('grant_id', '=', grantId!).where('rotated_at', 'is not', null).execute();
    };

    it('8 concurrent refreshes of one token all succeed; every answer stays valid; reuse after the window revokes every branch', async () => {
      const first = await password();
      assert.equal(first.status, 200);
      const answers = await Promise.all(Array.from({ length: 8 }, () => refresh(first.body.refresh_token)));
      assert.deepEqual(answers.map((a) => a.status), Array(8).fill(200), answers.map((a) => JSON.stringify(a.body)).join('\n'));
      assert.equal(new Set(answers.map((a) => a.body.refresh_token)).size, 8, 'each caller has its own pair');
      for (const a of answers) assert.equal(await me(server.baseUrl, a.body.access_token), 200);
      assert.equal(await me(server.baseUrl, first.body.access_token), 200, 'rotation retires only the refresh token');
      // Every branch's refresh token can be used once more.
      const next = await Promise.all(answers.map((a) => refresh(a.body.refresh_token)));
      assert.deepEqual(next.map((a) => a.status), Array(8).fill(200));
      for (const a of next) assert.equal(await me(server.baseUrl, a.body.access_token), 200);

      // After the window, the original is reuse: every branch ends, not only the one it started.
      await endWindow(first.body.refresh_token);
      const late = await refresh(first.body.refresh_token);
      assert.equal(late.body.error, 'invalid_grant');
      for (const a of [first, ...answers, ...next]) assert.equal(await me(server.baseUrl, a.body.access_token), 401);
      for (const a of next) assert.equal((await refresh(a.body.refresh_token)).body.error, 'invalid_grant');
    });

    it(`past ${MAX_SUCCESSORS} successors inside the window, a refresh is invalid_grant and revokes nothing`, async () => {
      const first = await password();
      const answers: Array<{ status: number; body: any }> = []; // eslint-disable-line @typescript-eslint/no-explicit-any
      for (let i = 0; i < MAX_SUCCESSORS + 1; i++) answers.push(await refresh(first.body.refresh_token));
      assert.deepEqual(answers.map((a) => a.status), [...Array(MAX_SUCCESSORS).fill(200), 400]);
      assert.equal(answers.at(-1)!.body.error, 'invalid_grant');
      for (const a of answers.slice(0, MAX_SUCCESSORS)) assert.equal(await me(server.baseUrl, a.body.access_token), 200);
      assert.equal((await refresh(answers[0]!.body.refresh_token)).status, 200);
    });

    it('a retired successor reused after its own window revokes the family too', async () => {
      const first = await password();
      const second = await refresh(first.body.refresh_token);
      const third = await refresh(second.body.refresh_token);
      assert.equal(third.status, 200);
      await endWindow(first.body.refresh_token);
      assert.equal((await refresh(second.body.refresh_token)).body.error, 'invalid_grant');
      assert.equal(await me(server.baseUrl, third.body.access_token), 401);
      assert.equal((await refresh(third.body.refresh_token)).body.error, 'invalid_grant');
    });
  });
}
