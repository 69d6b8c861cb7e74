/**
 * Start-up and run-time behaviour when the services Keygate depends on are missing:
 * - the built server refuses an unreachable PostgreSQL (after KEYGATE_DB_WAIT) or Redis with one
 *   line naming the setting, and exits 1;
 * - a private redis-server, stopped under a running server: readiness says `degraded`, sign-in
 *   and the password grant answer 503 within a second, and all is normal once Redis is back.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { freePort, startServer, type TestServer } from '../helpers/app.js';
import { WebClient } from '../helpers/http.js';
import { MAIN, run } from '../helpers/spawn.js';
import { bodyAuth, makeClient, oauthPost } from '../http/oauth-helpers.js';

describe('start-up refuses an unreachable dependency with one line', () => {
  it('PostgreSQL: waits KEYGATE_DB_WAIT seconds (and says so), then names DATABASE_URL and exits 1', async () => {
    const port = await freePort();
    const started = Date.now();
    const res = await run(MAIN, [], { DATABASE_URL: `postgres://keygate:hunter2@127.0.0.1:${port}/keygate`, KEYGATE_DB_WAIT: '1', PORT: String(await freePort()) });
    const lines = res.stderr.trim().split('\n');
    assert.equal(res.code, 1, res.stderr);
    assert.equal(lines.length, 2, res.stderr);
    assert.match(lines[0]!, /^keygate: waiting up to 1 s \(KEYGATE_DB_WAIT\) for PostgreSQL at 127\.0\.0\.1:\d+ \(DATABASE_URL\)/);
    assert.match(lines[1]!, new RegExp(`^keygate: cannot reach PostgreSQL at 127\\.0\\.0\\.1:${port} \\(DATABASE_URL\\) after waiting 1 s \\(KEYGATE_DB_WAIT\\): .*ECONNREFUSED`));
    assert.ok(!res.stderr.includes('hunter2'), 'the password in the URL is never printed');
    assert.ok(Date.now() - started >= 900, 'it waited');
  });

  it('Redis: names REDIS_URL and exits 1', async () => {
    const port = await freePort();
    const dir = `/tmp/keygate-deps-${process.pid}-${Date.now()}`;
    const res = await run(MAIN, [], { DATABASE_URL: `sqlite:${dir}/k.sqlite`, REDIS_URL: `redis://:hunter2@127.0.0.1:${port}`, PORT: String(await freePort()) });
    assert.equal(res.code, 1, res.stderr);
    const lines = res.stderr.trim().split('\n');
    assert.equal(lines.length, 1, res.stderr);
    assert.match(lines[0]!, new RegExp(`^keygate: cannot reach Redis at 127\\.0\\.0\\.1:${port} \\(REDIS_URL\\): .*ECONNREFUSED`));
    assert.ok(!res.stderr.includes('hunter2'));
  });
});

/** A private redis-server on `port`, resolved once it accepts connections. */
async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'pipe' });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  const deadline = Date.now() + 10_000;
  while (!/Ready to accept connections/.test(out)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`redis-server did not start: ${out}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return child;
}

async function stopRedis(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

async function ready(baseUrl: string): Promise<{ status: number; body: { status: string; checks: Record<string, string> } }> {
  const res = await fetch(`${baseUrl}/health/ready`);
  return { status: res.status, body: (await res.json()) as { status: string; checks: Record<string, string> } };
}

async function until(what: string, test: () => Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await test())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('Redis goes away under a running server [sqlite]', () => {
  let redisPort: number;
  let redis: ChildProcess;
  let server: TestServer;
  before(async () => {
    redisPort = await freePort();
    redis = await startRedis(redisPort);
    server = await startServer('sqlite', { env: { REDIS_URL: `redis://127.0.0.1:${redisPort}` } });
  });
  after(async () => {
    await server?.close();
    if (redis) await stopRedis(redis);
  });

  it('reports degraded readiness and answers sign-in and the password grant 503 within a second, then recovers', async () => {
    const client = await makeClient(server.ctx, { types: ['password_client'] });
    const grant = () => oauthPost(server.baseUrl, '/oauth/token', { grant_type: 'password', username: 'admin', password: server.admin.password, scope: 'api', ...bodyAuth(client) });
    await until('Redis connected', async () => (await ready(server.baseUrl)).body.checks.redis === 'ok');
    assert.deepEqual(await ready(server.baseUrl), { status: 200, body: { status: 'ok', checks: { store: 'ok', redis: 'ok' } } });
    assert.equal((await grant()).status, 200);

    await stopRedis(redis);
    await until('readiness degraded', async () => (await ready(server.baseUrl)).body.status === 'degraded');
    assert.deepEqual(await ready(server.baseUrl), { status: 200, body: { status: 'degraded', checks: { store: 'ok', redis: 'down' } } });

    const web = new WebClient(server.baseUrl);
    let started = performance.now();
    const page = await web.login('admin', server.admin.password);
    const loginMs = performance.now() - started;
    assert.equal(page.status, 503);
    assert.match(page.text, /Keygate cannot check sign-ins right now\. Try again in \d+ seconds?\./);
    assert.ok(loginMs < 1000, `login answered after ${loginMs.toFixed(0)} ms`);
    assert.ok(Number(page.headers.get('retry-after')) >= 1);

    started = performance.now();
    const refused = await grant();
    const grantMs = performance.now() - started;
    assert.equal(refused.status, 503);
    assert.equal(refused.body.error, 'temporarily_unavailable');
    assert.ok(Number(refused.headers.get('retry-after')) >= 1);
    assert.ok(grantMs < 1000, `password grant answered after ${grantMs.toFixed(0)} ms`);
    console.log(`# Redis down: login 503 in ${loginMs.toFixed(0)} ms, password grant 503 in ${grantMs.toFixed(0)} ms`);

    redis = await startRedis(redisPort);
    await until('Redis back', async () => (await ready(server.baseUrl)).body.status === 'ok');
    assert.equal((await grant()).status, 200);
    const again = await new WebClient(server.baseUrl).login('admin', server.admin.password);
    assert.ok(again.status < 400, `login works again (${again.status})`);
  });
});
