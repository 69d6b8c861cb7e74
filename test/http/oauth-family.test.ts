/**
 * Revoking one token family (refresh-token reuse, code replay) on SQLite and PostgreSQL, with two
 * servers on one database (two connections: another process on the SQLite file, another node on
 * PostgreSQL). The family is refused at once on both; everybody else's cached tokens stay cached —
 * anyone with a password-grant client can trigger a reuse at will, so it must not flush the caches
 * of every node.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hashSecret } from '../../src/domain/secret.js';
import { createUser, startServer, type TestServer } from '../helpers/app.js';
import { WebClient } from '../helpers/http.js';
import { storeKinds } from '../helpers/stores.js';
import { bodyAuth, makeClient, me, oauthPost, obtainCode, pkcePair, type TestClient } from './oauth-helpers.js';

const REDIRECT = 'http://127.0.0.1/cb';

/** Counts the store lookups a server's token check makes for one token (a spy around the real method). */
function countLookups(server: TestServer, token: string): { readonly count: number } {
  const tokens = server.ctx.tokens;
  const real = tokens.findForCheck.bind(tokens);
  const wanted = hashSecret(token);
  const counter = { count: 0 };
  tokens.findForCheck = (hash) => {
    if (hash === wanted) counter.count++;
    return real(hash);
  };
  return counter;
}

/** Polls until `server` refuses `token`; a bound of 0 means the very next request. */
async function refusedWithin(server: TestServer, token: string, boundMs: number): Promise<number> {
  if (boundMs === 0) {
    assert.equal(await me(server.baseUrl, token), 401, 'refused on the very next request');
    return 0;
  }
  const started = performance.now();
  while ((await me(server.baseUrl, token)) !== 401) {
    assert.ok(performance.now() - started < boundMs, `still accepted after ${boundMs} ms`);
    await new Promise((r) => setTimeout(r, 2));
  }
  return performance.now() - started;
}

for (const kind of storeKinds()) {
  describe(`token family revocation on two servers [${kind}]`, () => {
    let one: TestServer;
    let two: TestServer;
    let pw: TestClient;
    let codeApp: TestClient;
    let erin: { password: string };
    let zoe: { password: string };
    // SQLite tells another connection only that something was revoked (it flushes everything), and
    // on the very next request; PostgreSQL tells other nodes which tokens, within 1 s (ENGINEERING.md).
    const otherNodeKeepsOthers = kind === 'postgres';
    const otherBoundMs = kind === 'sqlite' ? 0 : 1000;

    before(async () => {
      one = await startServer(kind);
      two = await startServer(kind, { db: one.db });
      pw = await makeClient(one.ctx, { types: ['password_client'] });
      codeApp = await makeClient(one.ctx, { types: ['authorization_code_grant'], redirect: [REDIRECT] });
      erin = await createUser(one.ctx, { username: 'erin' });
      zoe = await createUser(one.ctx, { username: 'zoe' });
    });
    after(async () => {
      await two?.close({ keepDatabase: true });
      await one?.close();
    });

    const login = async (username: string, password: string) => {
      const res = await oauthPost(one.baseUrl, '/oauth/token', { grant_type: 'password', username, password, ...bodyAuth(pw) });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body as { access_token: string; refresh_token: string };
    };
    const refresh = (token: string) => oauthPost(one.baseUrl, '/oauth/token', { grant_type: 'refresh_token', refresh_token: token, ...bodyAuth(pw) });
    const onBoth = async (token: string): Promise<number[]> => [await me(one.baseUrl, token), await me(two.baseUrl, token)];

    /** Zoe's token, cached on both servers, with lookup counters from now on. */
    const bystander = async () => {
      const { access_token: token } = await login('zoe', zoe.password);
      assert.deepEqual(await onBoth(token), [200, 200]);
      return { token, onOne: countLookups(one, token), onTwo: countLookups(two, token) };
    };
    const assertStillCached = async (other: Awaited<ReturnType<typeof bystander>>) => {
      assert.deepEqual(await onBoth(other.token), [200, 200]);
      assert.equal(other.onOne.count, 0, 'the other user\'s token is still answered from the cache where the reuse happened');
      if (otherNodeKeepsOthers) assert.equal(other.onTwo.count, 0, 'and on the other node');
      else console.log(`# [${kind}] the other process looked the bystander's token up ${other.onTwo.count} time(s) (SQLite flushes across processes)`);
    };

    it('refresh-token reuse refuses the family at once on both servers and leaves other users\' tokens cached', async () => {
      const first = await login('erin', erin.password);
      const second = (await refresh(first.refresh_token)).body as { access_token: string; refresh_token: string };
      for (const token of [first.access_token, second.access_token]) assert.deepEqual(await onBoth(token), [200, 200]);
      const other = await bystander();

      const reuse = await refresh(first.refresh_token);
      assert.equal(reuse.body.error, 'invalid_grant');
      for (const token of [first.access_token, second.access_token]) {
        assert.equal(await me(one.baseUrl, token), 401, 'refused on the very next request where the reuse happened');
        const delay = await refusedWithin(two, token, otherBoundMs);
        if (kind === 'postgres') console.log(`# [${kind}] family refused on the other node after ${delay.toFixed(1)} ms`);
      }
      assert.equal((await refresh(second.refresh_token)).body.error, 'invalid_grant');
      await assertStillCached(other);
    });

    it('code replay does the same', async () => {
      const web = new WebClient(one.baseUrl);
      await web.login('erin', erin.password);
      const { verifier, challenge } = pkcePair();
      const code = await obtainCode(web, codeApp, { redirectUri: REDIRECT, challenge });
      const exchange = () => oauthPost(one.baseUrl, '/oauth/token', { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier, ...bodyAuth(codeApp) });
      const tokens = await exchange();
      assert.equal(tokens.status, 200);
      assert.deepEqual(await onBoth(tokens.body.access_token), [200, 200]);
      const other = await bystander();
      assert.equal((await exchange()).body.error, 'invalid_grant');
      assert.equal(await me(one.baseUrl, tokens.body.access_token), 401);
      await refusedWithin(two, tokens.body.access_token, otherBoundMs);
      await assertStillCached(other);
    });

    it('a family larger than one notification is refused whole, still without a full flush', async () => {
      let current = await login('erin', erin.password);
      const accessTokens = [current.access_token];
      // 150 refreshes: 150 live access tokens, more than one NOTIFY payload holds (100 digests).
      for (let i = 0; i < 150; i++) {
        current = (await refresh(current.refresh_token)).body;
        accessTokens.push(current.access_token);
      }
      for (const token of accessTokens) assert.equal(await me(two.baseUrl, token), 200);
      const other = await bystander();
      const { grant_id: grantId } = await one.ctx.store.db.selectFrom('tokens').select('grant_id').where('token_hash', '=', hashSecret(current.refresh_token)).executeTakeFirstOrThrow();
      const revoked = await one.ctx.tokens.revokeGrant(grantId!, Date.now());
      assert.equal(revoked.length, 2 * accessTokens.length, 'every access and refresh token of the family');
      assert.ok(revoked.includes(hashSecret(current.refresh_token)));
      for (const token of accessTokens) await refusedWithin(two, token, otherBoundMs);
      await assertStillCached(other);
    });
  });
}
