/**
 * Hostile input (issue 7, part 1): a fast-check driven fuzzer against every endpoint of the built
 * server (a separate process, so its memory can be measured): /oauth/*, /login, the console forms
 * and /api/1.0/*. Random and malformed bodies, wrong content types, 1 MB fields, deep JSON,
 * invalid UTF-8, duplicate parameters, huge headers. Every answer must be in the documented format,
 * no 5xx, the server keeps answering and its memory stays bounded.
 *
 * Size: KEYGATE_RELIABILITY_FULL=1 sends 50,000 requests per store (100,000 with PostgreSQL).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { startServer } from '../test/helpers/app.js';
import { WebClient } from '../test/helpers/http.js';
import { createTestDatabase, storeKinds, type TestDatabase } from '../test/helpers/stores.js';
import type { Context } from '../src/context.js';
import { caseArb, checkAnswer, DOCUMENTED_ENDPOINTS, type FuzzCase, type FuzzKnowns } from './helpers/fuzz.js';
import { figure, listRoutes, rawRequest, size } from './helpers/index.js';
import { basic, createClient, generatePassword, insertPat, operatorContext, startNode, type Node } from './helpers/nodes.js';

const REQUESTS_PER_STORE = size(1_500, 50_000);
const WORKERS = 4;
const CHUNK = 100;
const MB = 1024 * 1024;

/** Found by this fuzzer, reported, not yet fixed by the owning issue (a NUL byte in a user id on PostgreSQL). */

/** The documented endpoints plus every route the app registers; `registered` says which exist. */
async function endpoints(): Promise<{ list: Array<readonly [string, string]>; registered: Set<string> }> {
  const probe = await startServer('sqlite');
  try {
    const seen = new Set(DOCUMENTED_ENDPOINTS.map(([m, p]) => `${m} ${p}`));
    const registered = new Set<string>();
    const list = [...DOCUMENTED_ENDPOINTS];
    for (const r of listRoutes(probe.app.printRoutes({ commonPrefix: false }))) {
      if (r.path.includes('*') || r.path.startsWith('/assets')) continue;
      for (const m of r.methods) {
        registered.add(`${m} ${r.path}`);
        if (m === 'HEAD' || seen.has(`${m} ${r.path}`)) continue;
        seen.add(`${m} ${r.path}`);
        list.push([m, r.path]);
      }
    }
    return { list, registered };
  } finally {
    await probe.close();
  }
}

for (const kind of storeKinds()) {
  describe(`hostile input against every endpoint [${kind}]`, () => {
    let db: TestDatabase;
    let node: Node;
    let ops: Context;
    let knowns: FuzzKnowns;
    let list: Array<readonly [string, string]>;
    let registered: Set<string>;

    before(async () => {
      ({ list, registered } = await endpoints());
      db = await createTestDatabase(kind);
      const password = generatePassword();
      node = await startNode(db, password);
      ops = await operatorContext(db);
      const admin = (await ops.users.findByUsername('admin'))!;
      const client = await createClient(ops, 'Fuzz target', ['authorization_code_grant', 'password_client', 'personal_access_client', 'client_credentials_grant'], { redirect: ['http://127.0.0.1/cb'] });
      const pat = await insertPat(ops, client.id, admin.id);
      const web = new WebClient(node.baseUrl);
      assert.equal((await web.login('admin', password)).status, 303);
      const csrf = WebClient.csrfFrom((await web.get('/no/such/page')).text);
      knowns = {
        values: [client.id, client.secret!, pat, admin.id, 'admin', password, 'Fuzz target', 'http://127.0.0.1/cb'],
        ids: [client.id, admin.id],
        bearer: pat,
        basic: basic(client.id, client.secret!),
        cookie: () => web.cookieHeader(),
        csrf: () => csrf,
      };
    });
    after(async () => {
      await node?.kill('SIGKILL');
      await ops?.close();
      await db?.drop();
    });

    it(`answers ${REQUESTS_PER_STORE} hostile requests in the documented formats, with no 5xx, still answering, memory bounded`, async () => {
      const seed = Number(process.env.KEYGATE_FUZZ_SEED ?? Date.now() % 2 ** 31);
      figure(`fuzz seed [${kind}] (KEYGATE_FUZZ_SEED to replay)`, seed);
      const arb = caseArb(list, knowns);
      const problems: string[] = [];
      const statusCounts = new Map<number, number>();
      let sent = 0;
      let resets = 0;
      let warmRss = 0;
      let peakRss = node.rss();
      const started = Date.now();
      for (let offset = 0; offset < REQUESTS_PER_STORE; offset += CHUNK) {
        const n = Math.min(CHUNK, REQUESTS_PER_STORE - offset);
        const cases: FuzzCase[] = fc.sample(arb, { numRuns: n, seed: seed + offset });
        let next = 0;
        await Promise.all(
          Array.from({ length: WORKERS }, async () => {
            while (next < cases.length) {
              const c = cases[next++]!;
              sent++;
              try {
                const res = await rawRequest(node.baseUrl, { ...c.request, timeoutMs: 30_000 });
                statusCounts.set(res.status, (statusCounts.get(res.status) ?? 0) + 1);
                const problem = checkAnswer(c, res, registered);
                if (problem && problems.length < 50) problems.push(`${c.label} ${c.request.path.slice(0, 120)}: ${problem}`);
              } catch (err) {
                // An oversized request may be answered (413/431) and the connection closed before the
                // client finished sending: that is a refusal, not a failure, as long as the server lives.
                // So may a large body sent to a page that answers before reading it (a redirect to
                // the login page): Node closes such a connection rather than drain a big upload.
                const oversized = (c.request.body?.length ?? 0) > MB / 4 || c.parserMayRefuse;
                if (oversized) resets++;
                else if (problems.length < 50) problems.push(`${c.label} ${c.request.path.slice(0, 120)}: ${(err as Error).message}`);
              }
            }
          }),
        );
        const health = await fetch(`${node.baseUrl}/health`);
        assert.equal(health.status, 200, `the server stopped answering after ${sent} requests`);
        const rss = node.rss();
        peakRss = Math.max(peakRss, rss);
        if (offset + CHUNK >= REQUESTS_PER_STORE * 0.2 && warmRss === 0) warmRss = rss;
      }
      const seconds = (Date.now() - started) / 1000;
      const endRss = node.rss();
      figure(`requests fuzzed [${kind}]`, `${sent} in ${seconds.toFixed(1)} s (${Math.round(sent / seconds)}/s), ${list.length} endpoints`);
      figure(`fuzz statuses [${kind}]`, [...statusCounts].sort((a, b) => a[0] - b[0]).map(([s, c]) => `${s}×${c}`).join(' '));
      figure(`fuzz connection closed on oversized requests [${kind}]`, resets);
      figure(`server RSS after warm-up / end / peak [${kind}]`, `${(warmRss / MB).toFixed(0)} / ${(endRss / MB).toFixed(0)} / ${(peakRss / MB).toFixed(0)} MB`);
      assert.deepEqual(problems, [], `answers outside the documented formats (seed ${seed})`);
      assert.ok(endRss - warmRss < 150 * MB, `memory grew ${((endRss - warmRss) / MB).toFixed(0)} MB after warm-up`);
      assert.ok(peakRss < 1024 * MB, 'memory stays bounded');
    });

    it('answers the token endpoint with an RFC 6749 error for any form of parameters (property)', async (t) => {
      if (!registered.has('POST /oauth/token')) return t.skip('POST /oauth/token is not in this build yet');
      const param = fc.constantFrom('grant_type', 'client_id', 'client_secret', 'code', 'redirect_uri', 'code_verifier', 'refresh_token', 'username', 'password', 'scope');
      const value = fc.oneof(fc.string(), fc.constantFrom('authorization_code', 'password', 'refresh_token', 'client_credentials', 'api', ...knowns.values));
      await fc.assert(
        fc.asyncProperty(fc.array(fc.tuple(param, value), { maxLength: 12 }), fc.boolean(), async (pairs, asJson) => {
          const body = asJson ? JSON.stringify(Object.fromEntries(pairs)) : new URLSearchParams(pairs).toString();
          const res = await rawRequest(node.baseUrl, {
            method: 'POST',
            path: '/oauth/token',
            headers: [['content-type', asJson ? 'application/json' : 'application/x-www-form-urlencoded']],
            body,
          });
          assert.ok(res.status < 500, `${res.status} for ${body}`);
          const json = JSON.parse(res.text());
          if (res.status === 200) assert.equal(typeof json.access_token, 'string');
          else assert.equal(typeof json.error, 'string', res.text());
        }),
        { numRuns: size(200, 5_000) },
      );
    });
  });
}
