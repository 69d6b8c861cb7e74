/**
 * Brute force (issue 7, part 4): the login form and the password grant are throttled per
 * (username, IP) and per IP with 429 + Retry-After, and an unknown user cannot be told from a
 * wrong password, by body or by timing. Other client IPs are real loopback addresses (127.0.x.y).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createUser, startServer, type TestServer } from '../test/helpers/app.js';
import { storeKinds } from '../test/helpers/stores.js';
import { figure, listRoutes, rawRequest, size } from './helpers/index.js';
import { comparable, loginFrom, median } from './helpers/login.js';
import { basic, createClient } from './helpers/nodes.js';

for (const kind of storeKinds()) {
  describe(`brute force [${kind}]`, () => {
    let server: TestServer;
    let hasTokenEndpoint = false;
    before(async () => {
      server = await startServer(kind);
      hasTokenEndpoint = listRoutes(server.app.printRoutes({ commonPrefix: false })).some((r) => r.path === '/oauth/token' && r.methods.includes('POST'));
    });
    after(() => server.close());

    it('throttles login failures per (username, IP): 429 with Retry-After, other IPs unaffected', async () => {
      const alice = await createUser(server.ctx, { username: 'alice' });
      const attacker = await loginFrom(server.baseUrl, '127.0.0.2');
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push((await attacker.attempt('alice', `guess-${i}`)).status);
      assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429]);
      const blocked = await attacker.attempt('alice', alice.password);
      assert.equal(blocked.status, 429, 'even the right password waits while blocked');
      assert.ok(Number(blocked.headers['retry-after']) >= 1);
      assert.match(blocked.text(), /Too many failed attempts/);
      // Alice herself, from her own address, logs in: no lockout of the account itself.
      const own = await loginFrom(server.baseUrl, '127.0.0.3');
      assert.equal((await own.attempt('alice', alice.password)).status, 303);
    });

    it('throttles login failures per IP across usernames (password spraying)', async () => {
      const sprayer = await loginFrom(server.baseUrl, '127.0.0.4');
      let first429 = -1;
      for (let i = 0; i < 40 && first429 < 0; i++) {
        const res = await sprayer.attempt(`spray-${i}`, 'Summer2026!');
        if (res.status === 429) {
          first429 = i;
          assert.ok(Number(res.headers['retry-after']) >= 1);
        } else assert.equal(res.status, 401);
      }
      assert.equal(first429, 30, 'the 31st failure from one IP is refused');
      const other = await loginFrom(server.baseUrl, '127.0.0.5');
      assert.equal((await other.attempt('admin', server.admin.password)).status, 303);
      figure(`login failures allowed per IP before 429 [${kind}]`, first429);
    });

    it('cannot tell an unknown user from a wrong password, by body or by timing', async () => {
      await createUser(server.ctx, { username: 'timing-user' });
      const rounds = size(30, 200);
      const unknown: number[] = [];
      const wrong: number[] = [];
      for (let i = 0; i < rounds; i++) {
        // A fresh address per round keeps the throttle out of the measurement.
        const client = await loginFrom(server.baseUrl, `127.0.${10 + Math.floor(i / 200)}.${(i % 200) + 1}`);
        const order = i % 2 === 0;
        const a = order ? await client.attempt(`no-such-user-${i}`, 'wrong-password') : await client.attempt('timing-user', 'wrong-password');
        const b = order ? await client.attempt('timing-user', 'wrong-password') : await client.attempt(`no-such-user-${i}`, 'wrong-password');
        const [u, w] = order ? [a, b] : [b, a];
        assert.equal(u.status, 401);
        assert.equal(w.status, 401);
        assert.equal(comparable(u.text()), comparable(w.text()), 'same page for both');
        unknown.push(u.ms);
        wrong.push(w.ms);
      }
      const mu = median(unknown);
      const mw = median(wrong);
      // The median of per-pair differences cancels the load of a shared machine drifting over time.
      const paired = median(unknown.map((u, i) => u - wrong[i]!));
      const diff = Math.abs(paired);
      figure(`login timing, median unknown user vs wrong password [${kind}]`, `${mu.toFixed(1)} ms vs ${mw.toFixed(1)} ms; median paired difference ${paired.toFixed(1)} ms (${((diff / Math.max(mu, mw)) * 100).toFixed(1)}%) over ${rounds} pairs`);
      // Both run one argon2id verification; the difference is noise, far below the hash's own cost.
      assert.ok(diff < Math.max(15, 0.3 * Math.max(mu, mw)), `timing difference ${diff.toFixed(1)} ms`);
    });

    it('throttles the password grant per (username, IP) and per IP, with the same answer for unknown users', async (t) => {
      if (!hasTokenEndpoint) return t.skip('POST /oauth/token is not in this build yet');
      const bob = await createUser(server.ctx, { username: 'bob' });
      const client = await createClient(server.ctx, `Legacy desktop ${kind}`, ['password_client']);
      const auth = basic(client.id, client.secret!);
      const grant = (localAddress: string, username: string, password: string) =>
        rawRequest(server.baseUrl, {
          method: 'POST',
          path: '/oauth/token',
          localAddress,
          headers: [['content-type', 'application/x-www-form-urlencoded'], ['authorization', auth]],
          body: new URLSearchParams({ grant_type: 'password', username, password, scope: 'api' }).toString(),
        });
      const wrong = await grant('127.0.3.1', 'bob', 'nope');
      const unknown = await grant('127.0.3.1', 'nobody-at-all', 'nope');
      assert.equal(wrong.status, 400);
      assert.deepEqual(JSON.parse(wrong.text()), JSON.parse(unknown.text()));
      assert.equal(JSON.parse(wrong.text()).error, 'invalid_grant');
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await grant('127.0.3.2', 'bob', `guess-${i}`)).status);
      const blocked = await grant('127.0.3.2', 'bob', bob.password);
      assert.deepEqual(statuses, [400, 400, 400, 400, 400]);
      assert.equal(blocked.status, 429);
      assert.ok(Number(blocked.headers['retry-after']) >= 1);
      assert.equal(typeof JSON.parse(blocked.text()).error, 'string');
      // Bob from elsewhere still gets his token.
      const ok = await grant('127.0.3.3', 'bob', bob.password);
      assert.equal(ok.status, 200, ok.text());
      // Per IP: spraying many usernames from one address.
      let sprayed = 0;
      for (; sprayed < 40; sprayed++) if ((await grant('127.0.3.4', `spray-${sprayed}`, 'x')).status === 429) break;
      assert.equal(sprayed, 30);
    });
  });
}
