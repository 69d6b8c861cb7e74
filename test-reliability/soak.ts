/**
 * Soak (issue 7, part 7), outside CI: `npm run soak`.
 *
 * Starts the built server (dist/main.js) on a fresh SQLite file (or the PostgreSQL server in
 * SOAK_DATABASE_URL), measures its capacity for a mixed workload for 15 s, then drives it at
 * SOAK_LOAD (default 0.7 = 70%) of that rate for SOAK_MINUTES (default 10). It samples the server's
 * resident memory every 10 s and fails (exit 1) on any error or on memory growth of 10% or more
 * after the first two minutes (warm-up: the heap's first major-GC cycle, from its climb to its
 * settled size, takes that long at this load — one 10-minute run climbed to 183 MB by t = 50 s,
 * fell to 148 MB at 70 s and stayed within 176-181 MB from 120 s to the end). The memory judged is what the process holds itself (RssAnon +
 * RssShmem); total RSS is printed beside it, but it also counts the pages of the memory-mapped
 * SQLite file, which grow with the database (every client-credentials token adds a row) and
 * belong to the kernel's page cache.
 *
 * The mix per request: 70% protected API reads with personal access tokens (many distinct tokens),
 * 10% /health and metadata, 10% client-credentials tokens, 5% login page, 5% an administrator
 * revoking a personal access token through the API (then checking it is refused) and creating
 * its replacement. Requests go over keep-alive connections, as API clients send them.
 *
 * Every 10 s it prints the slowest answer of the window and the longest stall of its own event
 * loop, so a hiccup can be told apart: a slow server shows in the first, a busy load generator in
 * the second. Everything after the set-up goes through the server's HTTP API: a second process
 * writing to the same SQLite file would make the server wait for its lock, which is the CLI's
 * case, not the soak's.
 */
import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createTestDatabase, type TestDatabase } from '../test/helpers/stores.js';
import { figure, rawRequest, sleep } from './helpers/index.js';
import { createClient, generatePassword, insertPat, operatorContext, startNode } from './helpers/nodes.js';
import { tokenRequest } from './helpers/oauth.js';

const MINUTES = Number(process.env.SOAK_MINUTES ?? '10');
const LOAD = Number(process.env.SOAK_LOAD ?? '0.7');
const MB = 1024 * 1024;

async function main(): Promise<void> {
  let db: TestDatabase;
  if (process.env.SOAK_DATABASE_URL) {
    process.env.TEST_DATABASE_URL = process.env.SOAK_DATABASE_URL;
    db = await createTestDatabase('postgres');
  } else {
    db = await createTestDatabase('sqlite');
  }
  const password = generatePassword();
  const monitor = new URL('./helpers/loop-monitor.mjs', import.meta.url).pathname;
  process.env.KEYGATE_SERVER_NODE_ARGS = `${process.env.KEYGATE_SERVER_NODE_ARGS ?? ''} --import ${monitor}`;
  const node = await startNode(db, password);
  /** What the server saw in the last 10 s (from loop-monitor.mjs). */
  const serverWindow = (): string => {
    const m = [...node.stderr().matchAll(/loop-delay-max-ms=([\d.]+) in-server-max-ms=([\d.]+) in-server-max-open=(\d+)/g)].at(-1);
    return m ? `server: stall ${Number(m[1]).toFixed(0)} ms, slowest inside ${Number(m[2]).toFixed(0)} ms, at most ${m[3]} open` : 'server: no report';
  };
  process.on('exit', () => node.child.kill('SIGKILL'));
  const ops = await operatorContext(db);
  const admin = (await ops.users.findByUsername('admin'))!;
  const pats = await createClient(ops, 'Soak PATs', ['personal_access_client']);
  const machine = await createClient(ops, 'Soak machine', ['client_credentials_grant'], { permissions: ['view-auth_clients'] });
  const tokens: string[] = [];
  for (let i = 0; i < 2_000; i++) tokens.push(await insertPat(ops, pats.id, admin.id));
  // The administrator's own token, for the API calls that revoke and create tokens.
  const adminToken = await insertPat(ops, pats.id, admin.id);
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const get = (path: string, token?: string) => rawRequest(node.baseUrl, { path, agent, ...(token ? { headers: bearer(token) } : {}) });
  const api = (method: string, path: string, body?: unknown) =>
    rawRequest(node.baseUrl, {
      method,
      path,
      agent,
      headers: [...bearer(adminToken), ...(body === undefined ? [] : ([['content-type', 'application/json']] as Array<[string, string]>))],
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  const revoking = new Set<string>();
  let errors = 0;
  const errorSamples: string[] = [];
  const fail = (what: string) => {
    errors++;
    if (errorSamples.length < 10) errorSamples.push(what);
  };
  const expect = async (label: string, status: number, p: Promise<{ status: number }>) => {
    try {
      const res = await p;
      if (res.status !== status) fail(`${label}: ${res.status}`);
    } catch (err) {
      fail(`${label}: ${(err as Error).message}`);
    }
  };
  const bearer = (t: string): Array<[string, string]> => [['authorization', `Bearer ${t}`]];

  /** An API token created through the API, with its id (for revoking it later). */
  const ids = new Map<string, string>();
  async function createToken(): Promise<void> {
    const res = await api('POST', `/api/1.0/users/${admin.id}/tokens`, { name: 'soak', client_id: pats.id });
    if (res.status !== 201) return fail(`create token: ${res.status}`);
    const created = JSON.parse(res.text()) as { access_token: string; token: { id: string } };
    ids.set(created.access_token, created.token.id);
    tokens.push(created.access_token);
  }

  async function one(): Promise<void> {
    const pick = randomInt(100);
    if (pick < 70) {
      const token = tokens[randomInt(tokens.length)]!;
      const res = await get('/api/1.0/users/me', token).catch((err: Error) => ({ status: err.message }));
      // A token picked just before another loop revoked it may rightly be refused.
      if (res.status !== 200 && !(res.status === 401 && revoking.has(token))) fail(`api read: ${res.status}`);
    } else if (pick < 80) {
      await expect('health', 200, get(pick % 2 ? '/health' : '/.well-known/oauth-authorization-server'));
    } else if (pick < 90) {
      await expect('client credentials', 200, tokenRequest(node.baseUrl, machine.id, machine.secret, { grant_type: 'client_credentials' }));
    } else if (pick < 95) {
      await expect('login page', 200, get('/login'));
    } else {
      // Revoke one of the tokens this run created through the API (the seeded ones stay).
      const victims = [...ids.keys()];
      if (victims.length < 50) return createToken();
      const victim = victims[randomInt(victims.length)]!;
      const id = ids.get(victim)!;
      ids.delete(victim);
      tokens.splice(tokens.indexOf(victim), 1);
      revoking.add(victim);
      await expect('revoke token', 204, api('DELETE', `/api/1.0/users/${admin.id}/tokens/${id}`));
      await expect('revoked token refused', 401, get('/api/1.0/users/me', victim));
      await createToken();
    }
  }

  // Capacity: as many requests as 32 concurrent loops can get done in 15 s.
  let done = 0;
  const capacityEnd = Date.now() + 15_000;
  await Promise.all(Array.from({ length: 32 }, async () => {
    while (Date.now() < capacityEnd) {
      await one();
      done++;
    }
  }));
  const capacity = done / 15;
  const rate = capacity * LOAD;
  figure('soak capacity (mixed workload, 32 concurrent)', `${capacity.toFixed(0)} req/s; driving ${rate.toFixed(0)} req/s (${Math.round(LOAD * 100)}%) for ${MINUTES} min`);
  errors = 0;
  errorSamples.length = 0;

  const started = Date.now();
  const end = started + MINUTES * 60_000;
  const samples: Array<{ t: number; rss: number; own: number }> = [];
  let sent = 0;
  let skipped = 0;
  let windowMaxMs = 0;
  let worstMs = 0;
  let worstStall = 0;
  const inFlight = new Set<Promise<void>>();
  // Server CPU (user + system clock ticks from /proc), to tell a slower server from a busier one.
  const cpuTicks = (): number => {
    const fields = readFileSync(`/proc/${node.child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return Number(fields[11]) + Number(fields[12]);
  };
  let lastTicks = cpuTicks();
  let lastOwnCpu = process.cpuUsage();
  let lastSent = 0;
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const sampler = setInterval(() => {
    samples.push({ t: (Date.now() - started) / 1000, rss: node.rss(), own: node.rssOwn() });
    const last = samples[samples.length - 1]!;
    const stall = loopDelay.max / 1e6;
    const ticks = cpuTicks();
    // Clock ticks are 1/100 s on Linux: 1,000 ticks in a 10 s window are one core busy.
    const cpuPercent = (ticks - lastTicks) / 10;
    const perRequest = sent > lastSent ? ((ticks - lastTicks) * 10_000) / (sent - lastSent) : 0;
    lastTicks = ticks;
    lastSent = sent;
    const ownCpu = process.cpuUsage(lastOwnCpu);
    lastOwnCpu = process.cpuUsage();
    const driverPercent = (ownCpu.user + ownCpu.system) / 100_000;
    worstStall = Math.max(worstStall, stall);
    figure(
      'soak',
      `t=${last.t.toFixed(0)} s sent=${sent} errors=${errors} rss=${(last.rss / MB).toFixed(1)} MB (own ${(last.own / MB).toFixed(1)} MB) server cpu=${cpuPercent.toFixed(0)}% (${perRequest.toFixed(0)} µs/req) slowest answer=${windowMaxMs.toFixed(0)} ms; ${serverWindow()}; load generator: stall ${stall.toFixed(0)} ms, cpu ${driverPercent.toFixed(0)}%`,
    );
    windowMaxMs = 0;
    loopDelay.reset();
  }, 10_000);
  // Open-loop pacing: requests start on schedule whatever the answers' latency.
  while (Date.now() < end) {
    const due = Math.floor(((Date.now() - started) / 1000) * rate);
    while (sent + skipped < due) {
      if (inFlight.size >= 2_000) {
        // The server (or this machine) cannot keep up: count it once per tick, never queue more.
        fail('2,000 requests in flight: the server is falling behind (is the machine busy?)');
        skipped = due - sent;
        break;
      }
      sent++;
      const t0 = performance.now();
      const p = one().finally(() => {
        inFlight.delete(p);
        const ms = performance.now() - t0;
        windowMaxMs = Math.max(windowMaxMs, ms);
        worstMs = Math.max(worstMs, ms);
      });
      inFlight.add(p);
    }
    await sleep(5);
  }
  await Promise.all(inFlight);
  clearInterval(sampler);

  // RSS moves ±10% between 10 s samples with the garbage collector, so compare the median of the
  // first minute after warm-up with the median of the last minute, not two single samples.
  const warmupS = 120;
  const median = (values: number[]): number => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)] ?? 0;
  };
  const lastT = samples[samples.length - 1]?.t ?? 0;
  const growthOf = (key: 'rss' | 'own') => {
    const base = median(samples.filter((s) => s.t >= warmupS && s.t < warmupS + 60).map((s) => s[key]));
    const final = median(samples.filter((s) => s.t > lastT - 60).map((s) => s[key]));
    const peak = Math.max(...samples.map((s) => s[key]));
    const growth = (final - base) / base;
    return { growth, text: `median of the first minute after the ${warmupS} s warm-up ${(base / MB).toFixed(1)} MB, of the last minute ${(final / MB).toFixed(1)} MB, peak ${(peak / MB).toFixed(1)} MB, growth ${(growth * 100).toFixed(1)}%` };
  };
  const own = growthOf('own');
  const total = growthOf('rss');
  const growth = own.growth;
  figure('soak result', `${sent} requests in ${MINUTES} min at ${rate.toFixed(0)} req/s, ${errors} errors`);
  figure('soak memory held by the process (RssAnon + RssShmem)', own.text);
  figure('soak total RSS (also counts the memory-mapped database file)', total.text);
  figure('soak slowest request (start to answer, including its own follow-up calls)', `${worstMs.toFixed(0)} ms; longest load-generator stall ${worstStall.toFixed(0)} ms`);
  if (errorSamples.length) figure('soak errors (first 10)', errorSamples.join('; '));

  agent.destroy();
  await node.kill('SIGTERM');
  await ops.close();
  await db.drop();
  if (errors > 0 || growth >= 0.1) {
    console.error(`soak FAILED: ${errors} errors, memory growth ${(growth * 100).toFixed(1)}% (limit 10%)`);
    process.exit(1);
  }
  console.log('soak passed');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
