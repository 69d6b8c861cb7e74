/**
 * Many nodes (issue 7, part 6): two Keygate processes on one PostgreSQL. Node A is the built
 * server (dist/main.js, its own process); node B runs in this test process on the same database.
 * A token issued on one works on the other; a revocation, a client deletion or a grant removal on
 * B is refused by A — the delay is measured (target < 100 ms, bound 1 s). Throttle counters are
 * shared: through Redis when REDIS_URL is set, otherwise through PostgreSQL; both variants run.
 */
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { CLI_ACTOR } from '../src/services/actor.js';
import { startServer, updateClient, type TestServer } from '../test/helpers/app.js';
import { createTestDatabase, PG_URL, REQUIRE_PG, type TestDatabase } from '../test/helpers/stores.js';
import { hashSecret } from '../src/domain/secret.js';
import { figure, listRoutes, rawRequest, size } from './helpers/index.js';
import { loginFrom, median } from './helpers/login.js';
import { basic, createClient, generatePassword, insertPat, startNode, type Node } from './helpers/nodes.js';

const REDIS_URL = process.env.REDIS_URL_FOR_TESTS ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

async function redisReachable(): Promise<boolean> {
  const r = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 1000, retryStrategy: () => null });
  r.on('error', () => {});
  try {
    await r.connect();
    return (await r.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

async function me(node: { baseUrl: string }, token: string): Promise<number> {
  const res = await rawRequest(node.baseUrl, { path: '/api/1.0/users/me', headers: [['authorization', `Bearer ${token}`]] });
  return res.status;
}

/** Milliseconds from `action` returning until `node` refuses `token` (polling back to back). */
async function refusalDelay(node: Node, token: string, action: () => Promise<unknown>): Promise<number> {
  assert.equal(await me(node, token), 200, 'works before');
  assert.equal(await me(node, token), 200, 'and is cached');
  await action();
  const started = performance.now();
  while (performance.now() - started < 5_000) {
    if ((await me(node, token)) === 401) return performance.now() - started;
  }
  assert.fail('node A still accepts the token 5 s later');
}

const variants = PG_URL ? ['PostgreSQL counters', 'Redis counters'] : [];
if (!PG_URL && REQUIRE_PG) throw new Error('KEYGATE_REQUIRE_PG=1 but TEST_DATABASE_URL is not set');

for (const variant of variants) {
  const useRedis = variant === 'Redis counters';
  describe(`two nodes on one PostgreSQL, ${variant} [postgres]`, () => {
    let db: TestDatabase;
    let a: Node;
    let b: TestServer;
    let password: string;
    let skipReason: string | undefined;

    before(async () => {
      if (useRedis && !(await redisReachable())) {
        if (process.env.REDIS_URL_FOR_TESTS) throw new Error(`Redis at ${REDIS_URL} does not answer`);
        skipReason = `no Redis at ${REDIS_URL}`;
        return;
      }
      db = await createTestDatabase('postgres');
      password = generatePassword();
      const env: Record<string, string> = useRedis ? { REDIS_URL } : {};
      a = await startNode(db, password, env);
      b = await startServer('postgres', { db, adminPassword: password, env });
    });
    after(async () => {
      await a?.kill('SIGKILL');
      await b?.close();
    });

    it('accepts on A a token issued on B, and refuses it on A right after B revokes it, deletes its client or removes its grant', async (t) => {
      if (skipReason) return t.skip(skipReason);
      const admin = (await b.ctx.users.findByUsername('admin'))!;
      const rounds = size(10, 50);
      const delays: Record<string, number[]> = { revocation: [], 'client deletion': [], 'grant removal': [] };
      for (let i = 0; i < rounds; i++) {
        const client = await createClient(b.ctx, `Node test ${variant} ${i}`, ['personal_access_client', 'client_credentials_grant']);
        const revoked = await insertPat(b.ctx, client.id, admin.id);
        const hash = hashSecret(revoked);
        delays.revocation!.push(
          await refusalDelay(a, revoked, () =>
            b.ctx.tokens.revokeWhere((trx) => trx.selectFrom('tokens').select(['id', 'token_hash']).where('token_hash', '=', hash).execute(), Date.now()),
          ),
        );
        const ofRemovedGrant = await insertPat(b.ctx, client.id, admin.id);
        delays['grant removal']!.push(
          await refusalDelay(a, ofRemovedGrant, () => updateClient(b.ctx, client.id, { name: `Node test ${variant} ${i}`, types: ['client_credentials_grant'] })),
        );
        const ofDeletedClient = await createClient(b.ctx, `Node test deleted ${variant} ${i}`, ['personal_access_client']);
        const doomed = await insertPat(b.ctx, ofDeletedClient.id, admin.id);
        delays['client deletion']!.push(await refusalDelay(a, doomed, () => b.ctx.services.clients.delete(CLI_ACTOR, ofDeletedClient.id)));
      }
      for (const [what, list] of Object.entries(delays)) {
        const max = Math.max(...list);
        figure(`cross-node ${what} delay B→A, median / max over ${list.length} [${variant}]`, `${median(list).toFixed(1)} / ${max.toFixed(1)} ms`);
        assert.ok(max < 1_000, `${what} reached node A after ${max.toFixed(0)} ms (bound 1 s)`);
        assert.ok(median(list) < 100, `${what}: median ${median(list).toFixed(0)} ms (target 100 ms)`);
      }
    });

    it('accepts on B a token issued by A over HTTP', async (t) => {
      if (skipReason) return t.skip(skipReason);
      if (!listRoutes(b.app.printRoutes({ commonPrefix: false })).some((r) => r.path === '/oauth/token')) return t.skip('POST /oauth/token is not in this build yet');
      const client = await createClient(b.ctx, `Issuer on A ${variant}`, ['password_client']);
      const res = await rawRequest(a.baseUrl, {
        method: 'POST',
        path: '/oauth/token',
        headers: [['content-type', 'application/x-www-form-urlencoded'], ['authorization', basic(client.id, client.secret!)]],
        body: new URLSearchParams({ grant_type: 'password', username: 'admin', password, scope: 'api' }).toString(),
      });
      assert.equal(res.status, 200, res.text());
      const { access_token: token } = JSON.parse(res.text());
      assert.equal(await me(b, token), 200);
      assert.equal(await me(a, token), 200);
    });

    it('shares the login throttle between the nodes', async (t) => {
      if (skipReason) return t.skip(skipReason);
      // A loopback address of its own, so counters left in Redis by other runs do not interfere.
      const ip = `127.${randomInt(100, 250)}.${randomInt(0, 250)}.${randomInt(1, 250)}`;
      const user = `shared-${randomInt(1e9)}`;
      const onA = await loginFrom(a.baseUrl, ip);
      const onB = await loginFrom(b.baseUrl, ip);
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await (i % 2 ? onB : onA).attempt(user, `guess-${i}`)).status);
      assert.deepEqual(statuses, [401, 401, 401, 401, 401]);
      const sixthOnB = await onB.attempt(user, 'guess-5');
      assert.equal(sixthOnB.status, 429, 'the failures counted on A block on B');
      assert.equal((await onA.attempt(user, 'guess-6')).status, 429);
      if (useRedis) {
        const r = new Redis(REDIS_URL);
        try {
          const keys = await r.keys(`keygate:throttle:login:acct:*${ip}`);
          assert.ok(keys.length >= 1, 'the counter lives in Redis');
        } finally {
          r.disconnect();
        }
      } else {
        const rows = await b.ctx.store.db.selectFrom('throttle_counters').select('key').where('key', 'like', `%${ip}`).execute();
        assert.ok(rows.length >= 1, 'the counter lives in PostgreSQL');
      }
    });
  });
}
