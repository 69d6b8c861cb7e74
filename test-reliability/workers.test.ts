/**
 * KEYGATE_WORKERS=2 (issue 17): the built server as a primary and two workers on one port, on
 * SQLite and PostgreSQL. Every request below opens its own connection, so the cluster spreads
 * them over both workers (the access log proves both answered).
 * - Revocation across workers: 50 rounds of "token cached on both workers, revoked through one,
 *   then asked of both": zero accepted after the revoke returned.
 * - Throttles and sessions are shared: failures counted on either worker block the pair; a
 *   session made on one is valid on the other.
 * - /metrics on any worker is the sum over both; SIGTERM drains both and the primary exits 0.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, storeKinds, type TestDatabase } from '../test/helpers/stores.js';
import { WebClient } from '../test/helpers/http.js';
import { figure, rawRequest } from './helpers/index.js';
import { createClient, generatePassword, operatorContext, startNode, type Node } from './helpers/nodes.js';
import { revoke, tokenRequest } from './helpers/oauth.js';

const ROUNDS = 50;
/** Requests per check: with round-robin over two workers, both see the token. */
const SPREAD = 6;

async function status(node: Node, path: string, headers: Array<[string, string]>): Promise<number> {
  return (await rawRequest(node.baseUrl, { path, headers })).status;
}

for (const kind of storeKinds()) {
  describe(`two workers on one ${kind === 'sqlite' ? 'SQLite file' : 'PostgreSQL database'} [${kind}]`, () => {
    let db: TestDatabase;
    let node: Node;
    let client: { id: string; secret: string | null };
    const password = generatePassword();

    before(async () => {
      db = await createTestDatabase(kind);
      node = await startNode(db, password, { KEYGATE_WORKERS: '2', LOG_LEVEL: 'info' });
      const ctx = await operatorContext(db);
      try {
        client = await createClient(ctx, 'Workers', ['client_credentials_grant', 'password_client'], { permissions: ['view-auth_clients'] });
      } finally {
        await ctx.close();
      }
    });
    after(async () => {
      await node?.kill('SIGKILL');
      await db?.drop();
    });

    it(`refuses a token on every worker once its revocation returned (${ROUNDS} rounds)`, async () => {
      let accepted = 0;
      let warmed = 0;
      for (let round = 0; round < ROUNDS; round++) {
        const issued = await tokenRequest(node.baseUrl, client.id, client.secret, { grant_type: 'client_credentials' });
        assert.equal(issued.status, 200, JSON.stringify(issued.body));
        const auth: Array<[string, string]> = [['authorization', `Bearer ${issued.body.access_token as string}`]];
        for (let i = 0; i < SPREAD; i++) if ((await status(node, '/api/1.0/oauth/clients', auth)) === 200) warmed++;
        assert.equal(await revoke(node.baseUrl, client.id, client.secret!, issued.body.access_token as string), 200);
        const after = await Promise.all(Array.from({ length: SPREAD }, () => status(node, '/api/1.0/oauth/clients', auth)));
        accepted += after.filter((s) => s !== 401).length;
      }
      assert.equal(warmed, ROUNDS * SPREAD, 'every token worked on every worker before its revocation');
      assert.equal(accepted, 0, `${accepted} requests accepted a revoked token`);
      const pids = new Set(
        node
          .stdout()
          .split('\n')
          .filter((l) => l.includes('"route":"/api/1.0/oauth/clients"'))
          .map((l) => (JSON.parse(l) as { pid: number }).pid),
      );
      assert.equal(pids.size, 2, 'both workers answered API calls');
      figure(`cross-worker revocation, KEYGATE_WORKERS=2 [${kind}]`, `${ROUNDS} rounds × ${SPREAD} requests after the revoke returned: 0 accepted`);
    });

    it('shares throttles and sessions between the workers', async () => {
      const attempt = () => tokenRequest(node.baseUrl, client.id, client.secret, { grant_type: 'password', username: 'admin', password: 'not-the-password-1', scope: 'api' });
      const answers: number[] = [];
      for (let i = 0; i < 7; i++) answers.push((await attempt()).status);
      assert.deepEqual(answers.slice(0, 5), [400, 400, 400, 400, 400], answers.join(','));
      assert.ok(answers.slice(5).every((s) => s === 429), `blocked after 5 failures spread over both workers: ${answers.join(',')}`);

      const web = new WebClient(node.baseUrl);
      assert.equal((await web.login('admin', password)).status, 303);
      const cookie = `kg_session=${web.cookie('kg_session')!}`;
      for (let i = 0; i < SPREAD; i++) assert.equal(await status(node, '/api/1.0/users/me', [['cookie', cookie]]), 200, 'the session works on either worker');
    });

    it('answers /metrics with the sum over both workers, and drains both on SIGTERM', async () => {
      const scrape = async () => (await rawRequest(node.baseUrl, { path: '/metrics' })).text();
      const count = (text: string) => Number(/^keygate_http_requests_total\{route="\/health\/live",status="200"\} (\d+)/m.exec(text)?.[1] ?? 0);
      const before = count(await scrape());
      for (let i = 0; i < 10; i++) assert.equal(await status(node, '/health/live', []), 200);
      assert.equal(count(await scrape()) - before, 10, 'requests answered by both workers are all counted');
      assert.equal(await node.kill('SIGTERM'), 0);
    });
  });
}
