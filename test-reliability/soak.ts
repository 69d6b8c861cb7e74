/**
 * Soak (issue 7, part 7), outside CI: `npm run soak`.
 *
 * Starts the built server (dist/main.js) on a fresh SQLite file (or the PostgreSQL server in
 * SOAK_DATABASE_URL), measures its capacity for a mixed workload for 15 s, then drives it at
 * SOAK_LOAD (default 0.7 = 70%) of that rate for SOAK_MINUTES (default 10). It samples the server's
 * resident memory every 10 s and fails (exit 1) on any error or on RSS growth of 10% or more after
 * the first minute (warm-up).
 *
 * The mix per request: 70% protected API reads with personal access tokens (many distinct tokens),
 * 10% /health and metadata, 10% token issuance (client credentials, when the build has
 * /oauth/token) or token creation, 5% login page, 5% revocation of an old token + refusal check.
 */
import { randomInt } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '../test/helpers/stores.js';
import { hashSecret } from '../src/domain/secret.js';
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
  const node = await startNode(db, password);
  process.on('exit', () => node.child.kill('SIGKILL'));
  const ops = await operatorContext(db);
  const admin = (await ops.users.findByUsername('admin'))!;
  const pats = await createClient(ops, 'Soak PATs', ['personal_access_client']);
  const machine = await createClient(ops, 'Soak machine', ['client_credentials_grant'], { permissions: ['view-auth_clients'] });
  const tokens: string[] = [];
  for (let i = 0; i < 2_000; i++) tokens.push(await insertPat(ops, pats.id, admin.id));
  const hasTokenEndpoint = (await tokenRequest(node.baseUrl, machine.id, machine.secret, { grant_type: 'client_credentials' })).status === 200;

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

  // Writes from this (operator) process to the same SQLite file can meet SQLITE_BUSY when a deferred
  // transaction upgrades its lock while the server writes: retried and counted, not server errors.
  let operatorRetries = 0;
  async function operatorWrite<T>(fn: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if ((err as { code?: string }).code !== 'SQLITE_BUSY' || attempt >= 20) throw err;
        operatorRetries++;
        await sleep(5 + randomInt(20));
      }
    }
  }

  async function one(): Promise<void> {
    const pick = randomInt(100);
    if (pick < 70) {
      const token = tokens[randomInt(tokens.length)]!;
      const res = await rawRequest(node.baseUrl, { path: '/api/1.0/users/me', headers: bearer(token) }).catch((err: Error) => ({ status: err.message }));
      // A token picked just before another loop revoked it may rightly be refused.
      if (res.status !== 200 && !(res.status === 401 && revoking.has(token))) fail(`api read: ${res.status}`);
    } else if (pick < 80) {
      await expect('health', 200, rawRequest(node.baseUrl, { path: pick % 2 ? '/health' : '/.well-known/oauth-authorization-server' }));
    } else if (pick < 90) {
      if (hasTokenEndpoint) await expect('client credentials', 200, tokenRequest(node.baseUrl, machine.id, machine.secret, { grant_type: 'client_credentials' }));
      else tokens.push(await operatorWrite(() => insertPat(ops, pats.id, admin.id)));
    } else if (pick < 95) {
      await expect('login page', 200, rawRequest(node.baseUrl, { path: '/login' }));
    } else {
      const victim = tokens.splice(randomInt(tokens.length), 1)[0]!;
      revoking.add(victim);
      const hash = hashSecret(victim);
      await operatorWrite(() => ops.tokens.revokeWhere((trx) => trx.selectFrom('tokens').select(['id', 'token_hash']).where('token_hash', '=', hash).execute(), Date.now()));
      await expect('revoked token refused', 401, rawRequest(node.baseUrl, { path: '/api/1.0/users/me', headers: bearer(victim) }));
      tokens.push(await operatorWrite(() => insertPat(ops, pats.id, admin.id)));
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
  const samples: Array<{ t: number; rss: number }> = [];
  let sent = 0;
  let skipped = 0;
  const inFlight = new Set<Promise<void>>();
  const sampler = setInterval(() => {
    samples.push({ t: (Date.now() - started) / 1000, rss: node.rss() });
    const last = samples[samples.length - 1]!;
    figure('soak', `t=${last.t.toFixed(0)} s sent=${sent} errors=${errors} rss=${(last.rss / MB).toFixed(1)} MB`);
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
      const p = one().finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
    await sleep(5);
  }
  await Promise.all(inFlight);
  clearInterval(sampler);

  // RSS moves ±10% between 10 s samples with the garbage collector, so compare the median of the
  // first minute after warm-up with the median of the last minute, not two single samples.
  const median = (values: number[]): number => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)] ?? node.rss();
  };
  const lastT = samples[samples.length - 1]?.t ?? 0;
  const base = median(samples.filter((s) => s.t >= 60 && s.t < 120).map((s) => s.rss));
  const final = median(samples.filter((s) => s.t > lastT - 60).map((s) => s.rss));
  const peak = Math.max(...samples.map((s) => s.rss));
  const growth = (final - base) / base;
  figure('soak result', `${sent} requests in ${MINUTES} min at ${rate.toFixed(0)} req/s, ${errors} errors; RSS median of the first minute after warm-up ${(base / MB).toFixed(1)} MB, of the last minute ${(final / MB).toFixed(1)} MB, peak ${(peak / MB).toFixed(1)} MB, growth ${(growth * 100).toFixed(1)}%`);
  figure('soak operator write retries (SQLITE_BUSY in the test process)', operatorRetries);
  if (errorSamples.length) figure('soak errors (first 10)', errorSamples.join('; '));

  await node.kill('SIGTERM');
  await ops.close();
  await db.drop();
  if (errors > 0 || growth >= 0.1) {
    console.error(`soak FAILED: ${errors} errors, RSS growth ${(growth * 100).toFixed(1)}% (limit 10%)`);
    process.exit(1);
  }
  console.log('soak passed');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
