/**
 * GET /metrics after real traffic (the counters moved, labels are route patterns), the
 * KEYGATE_METRICS_TOKEN guard, and /health/live and /health/ready, on SQLite and PostgreSQL.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startServer, type TestServer } from '../helpers/app.js';
import { storeKinds } from '../helpers/stores.js';
import { bodyAuth, makeClient, me, oauthPost } from './oauth-helpers.js';

/** The value of one sample line (`name{labels} value`), 0 when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const match = /^([a-z_]+)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = (match[2] ?? '').split(',');
    if (wanted.every((w) => have.includes(w))) return Number(match[3]);
  }
  return 0;
}

async function scrape(baseUrl: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string; type: string | null }> {
  const res = await fetch(`${baseUrl}/metrics`, { headers });
  return { status: res.status, text: await res.text(), type: res.headers.get('content-type') };
}

for (const kind of storeKinds()) {
  describe(`/metrics and health [${kind}]`, () => {
    let server: TestServer;
    before(async () => {
      server = await startServer(kind);
    });
    after(async () => server?.close());

    it('counts requests by route pattern, token checks, issued tokens and the cache after real traffic', async () => {
      const beforeText = (await scrape(server.baseUrl)).text;
      const client = await makeClient(server.ctx, { types: ['password_client'] });
      const issued = await oauthPost(server.baseUrl, '/oauth/token', { grant_type: 'password', username: 'admin', password: server.admin.password, scope: 'api', ...bodyAuth(client) });
      assert.equal(issued.status, 200);
      const token = issued.body.access_token as string;
      for (let i = 0; i < 3; i++) assert.equal(await me(server.baseUrl, token), 200);
      assert.equal(await me(server.baseUrl, 'kg_at_not-a-real-token'), 401);
      for (const path of ['/no/such/page-1?secret=x', '/no/such/page-2', '/api/1.0/users/some-id-that-does-not-exist']) await (await fetch(server.baseUrl + path)).arrayBuffer();

      const { status, text, type } = await scrape(server.baseUrl);
      assert.equal(status, 200);
      assert.match(type ?? '', /^text\/plain/);
      for (const name of ['process_cpu_user_seconds_total', 'nodejs_heap_size_used_bytes', 'keygate_http_request_duration_seconds_bucket', 'keygate_token_cache_entries']) {
        assert.ok(text.includes(name), `${name} is exported`);
      }
      const delta = (name: string, labels: Record<string, string> = {}) => sample(text, name, labels) - sample(beforeText, name, labels);
      assert.equal(delta('keygate_http_requests_total', { route: '/api/1.0/users/me', status: '200' }), 3);
      assert.equal(delta('keygate_http_requests_total', { route: '/api/1.0/users/me', status: '401' }), 1);
      assert.equal(delta('keygate_http_requests_total', { route: '/oauth/token', status: '200' }), 1);
      assert.equal(delta('keygate_http_requests_total', { route: 'unmatched', status: '404' }), 2);
      assert.ok(!text.includes('/no/such'), 'raw URLs never become labels');
      assert.ok(!text.includes('some-id-that-does-not-exist'), 'path parameters never become labels');
      assert.equal(delta('keygate_http_request_duration_seconds_count', { route: '/api/1.0/users/me' }), 4);
      assert.equal(delta('keygate_token_checks_total', { result: 'valid' }), 3);
      assert.ok(delta('keygate_token_checks_total', { result: 'invalid' }) >= 1);
      assert.equal(delta('keygate_token_cache_hits_total'), 2, 'the first check reads the store, the next two the cache');
      assert.equal(delta('keygate_tokens_issued_total', { grant_type: 'password' }), 1);
      assert.ok(sample(text, 'keygate_token_cache_entries') >= 1);
    });

    it('answers liveness and readiness, with the store and (on PostgreSQL) the listener checked', async () => {
      const live = await fetch(`${server.baseUrl}/health/live`);
      assert.equal(live.status, 200);
      assert.deepEqual(await live.json(), { status: 'ok' });
      const ready = await fetch(`${server.baseUrl}/health/ready`);
      assert.equal(ready.status, 200);
      const expected = kind === 'postgres' ? { store: 'ok', listener: 'ok' } : { store: 'ok' };
      assert.deepEqual(await ready.json(), { status: 'ok', checks: expected });
      const health = await fetch(`${server.baseUrl}/health`);
      assert.deepEqual([health.status, await health.json()], [200, { status: 'ok' }]);
    });
  });
}

describe('KEYGATE_METRICS_TOKEN and an unanswering store [sqlite]', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer('sqlite', { env: { KEYGATE_METRICS_TOKEN: 'scrape-me-0123456789' } });
  });
  after(async () => server?.close());

  it('asks for the bearer token when one is set', async () => {
    assert.equal((await scrape(server.baseUrl)).status, 401);
    assert.equal((await scrape(server.baseUrl, { authorization: 'Bearer wrong' })).status, 401);
    assert.equal((await scrape(server.baseUrl, { authorization: 'Bearer scrape-me-0123456789x' })).status, 401);
    const ok = await scrape(server.baseUrl, { authorization: 'Bearer scrape-me-0123456789' });
    assert.equal(ok.status, 200);
    assert.ok(ok.text.includes('keygate_http_requests_total'));
  });

  it('is not ready (503) when the store does not answer, and says why; liveness still answers', async () => {
    await server.ctx.store.close();
    const ready = await fetch(`${server.baseUrl}/health/ready`);
    assert.equal(ready.status, 503);
    assert.deepEqual(await ready.json(), { status: 'unavailable', checks: { store: 'down' } });
    assert.equal((await fetch(`${server.baseUrl}/health`)).status, 503);
    assert.equal((await fetch(`${server.baseUrl}/health/live`)).status, 200);
  });
});
