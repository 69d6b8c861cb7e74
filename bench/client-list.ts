/**
 * Auth Client list latency at 100,000 clients (issue 3, "Done when"): seeds a fresh SQLite file
 * and, when BENCH_DATABASE_URL or TEST_DATABASE_URL names a PostgreSQL server, a fresh PostgreSQL
 * database, starts Keygate in-process on each, and measures GET /api/1.0/oauth/clients over real
 * HTTP (one client, keep-alive, sequential requests) without and with `filter`.
 *
 *   npx tsx bench/client-list.ts [--clients 100000] [--requests 300] [--json]
 *
 * Prints a table; with --json, writes {"clients","requests","results":[{store,scenario,matches,p50_ms,p95_ms,p99_ms}]}
 * to stdout (the table then goes to stderr).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import pg from 'pg';
import { bootstrapIfEmpty } from '../src/bootstrap.js';
import { loadConfig } from '../src/config.js';
import { createContext, type Context } from '../src/context.js';
import { displayPrefix, hashSecret, issueSecret } from '../src/domain/secret.js';
import { buildApp } from '../src/http/app.js';
import { clientNameKey, clientSearchText } from '../src/store/client-store.js';
import type { Insertable } from 'kysely';
import type { ClientsTable } from '../src/store/schema.js';

const { values: args } = parseArgs({
  options: { clients: { type: 'string', default: '100000' }, requests: { type: 'string', default: '300' }, json: { type: 'boolean', default: false } },
});
const CLIENTS = Number(args.clients);
const REQUESTS = Number(args.requests);
const out = args.json ? process.stderr : process.stdout;
const log = (line: string) => out.write(`${line}\n`);

interface Result {
  store: 'sqlite' | 'postgres';
  scenario: string;
  matches: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function percentile(sorted: number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return Math.round(sorted[Math.max(0, i)]! * 100) / 100;
}

const pad = (n: number) => String(n).padStart(6, '0');

async function seed(ctx: Context, count: number): Promise<void> {
  const started = Date.now();
  const base = Date.now() - count * 1000;
  const batch = 1000;
  for (let from = 0; from < count; from += batch) {
    const rows: Array<Insertable<ClientsTable>> = [];
    for (let i = from; i < Math.min(count, from + batch); i++) {
      const name = `Bench App ${pad(i)}`;
      const redirect = [`https://app${pad(i)}.example.com/callback`];
      rows.push({
        id: `00000000-0000-4000-8000-${pad(i).padStart(12, '0')}`,
        name,
        name_key: clientNameKey(name),
        types: JSON.stringify(['authorization_code_grant', 'client_credentials_grant']),
        redirect: JSON.stringify(redirect),
        search_text: clientSearchText(name, redirect),
        confidential: 1,
        trusted: 0,
        introspect_all: 0,
        permissions: '[]',
        secret_hash: hashSecret(`seed-${i}`),
        previous_secret_hash: null,
        previous_secret_expires_at: null,
        created_by: null,
        created_at: base + i * 1000,
        updated_at: base + i * 1000,
      });
    }
    await ctx.store.db.insertInto('clients').values(rows).execute();
  }
  await sql`analyze`.execute(ctx.store.db);
  log(`  seeded ${count.toLocaleString('en')} clients in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

async function benchStore(store: 'sqlite' | 'postgres', databaseUrl: string): Promise<Result[]> {
  const port = await freePort();
  const config = loadConfig({ PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: databaseUrl, KEYGATE_ADMIN_PASSWORD: randomBytes(12).toString('base64url'), LOG_LEVEL: 'silent' });
  const ctx = await createContext(config);
  try {
    await bootstrapIfEmpty(ctx);
    await seed(ctx, CLIENTS);
    const admin = (await ctx.users.findByUsername(config.adminUsername))!;
    const patClient = (await ctx.clients.findByName('Personal Access Client'))!;
    const token = issueSecret('personalAccessToken');
    await ctx.tokens.insertToken({
      tokenHash: hashSecret(token), kind: 'personal_access_token', prefix: displayPrefix(token), clientId: patClient.id, userId: admin.id,
      scopes: ['api'], origin: 'personal_access', createdAt: Date.now(), expiresAt: null,
    });
    const app = await buildApp(ctx);
    await app.listen({ port, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${port}/api/1.0/oauth/clients`;
    const headers = { authorization: `Bearer ${token}` };
    // A random client's six-digit number; its first five digits are shared by 10 clients, three by 1,000.
    const digits = () => pad(Math.floor(Math.random() * CLIENTS));
    const scenarios: Array<{ name: string; query: () => string }> = [
      { name: 'no filter, newest first, page 1', query: () => '' },
      { name: 'no filter, order_by=name, page 1', query: () => 'order_by=name' },
      { name: 'no filter, page 100 (per_page 15)', query: () => 'page=100' },
      { name: 'filter on redirect (10 matches)', query: () => `filter=app${digits().slice(0, 5)}` },
      { name: 'filter on name, any case (10 matches)', query: () => `filter=BENCH%20APP%20${digits().slice(0, 5)}` },
      { name: 'filter on one client id-like number', query: () => `filter=${digits()}` },
      { name: 'filter matching 1,000 clients', query: () => `filter=app${digits().slice(0, 3)}` },
      { name: 'filter, 2 characters (no index: scan)', query: () => `filter=${digits().slice(4)}` },
    ];
    const results: Result[] = [];
    try {
      for (const s of scenarios) {
        const times: number[] = [];
        let matches = 0;
        for (let i = 0; i < REQUESTS + 20; i++) {
          const q = s.query();
          const t0 = performance.now();
          const res = await fetch(q ? `${url}?${q}` : url, { headers });
          const body = (await res.json()) as { meta?: { total: number } };
          const ms = performance.now() - t0;
          if (res.status !== 200) throw new Error(`${s.name}: HTTP ${res.status} ${JSON.stringify(body)}`);
          if (i >= 20) times.push(ms); // the first 20 warm up connections and caches
          matches = body.meta?.total ?? 0;
        }
        times.sort((a, b) => a - b);
        results.push({ store, scenario: s.name, matches, p50_ms: percentile(times, 50), p95_ms: percentile(times, 95), p99_ms: percentile(times, 99) });
      }
    } finally {
      await app.close();
    }
    return results;
  } finally {
    await ctx.close();
  }
}

async function main(): Promise<void> {
  const results: Result[] = [];
  log(`Auth Client list: ${CLIENTS.toLocaleString('en')} clients, ${REQUESTS} sequential requests per scenario`);

  const dir = mkdtempSync(join(tmpdir(), 'keygate-bench-clients-'));
  try {
    log('SQLite (fresh file)');
    results.push(...(await benchStore('sqlite', `sqlite:${join(dir, 'keygate.sqlite')}`)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const pgUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  if (pgUrl) {
    const name = `keygate_bench_clients_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: pgUrl });
    await admin.connect();
    await admin.query(`create database ${name}`);
    try {
      const u = new URL(pgUrl);
      u.pathname = `/${name}`;
      log('PostgreSQL (fresh database)');
      results.push(...(await benchStore('postgres', u.toString())));
    } finally {
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    }
  } else {
    log('PostgreSQL: skipped (set BENCH_DATABASE_URL or TEST_DATABASE_URL)');
  }

  log('');
  log(`${'store'.padEnd(9)} ${'scenario'.padEnd(40)} ${'matches'.padStart(8)} ${'p50 ms'.padStart(8)} ${'p95 ms'.padStart(8)} ${'p99 ms'.padStart(8)}`);
  for (const r of results) {
    log(`${r.store.padEnd(9)} ${r.scenario.padEnd(40)} ${String(r.matches).padStart(8)} ${r.p50_ms.toFixed(2).padStart(8)} ${r.p95_ms.toFixed(2).padStart(8)} ${r.p99_ms.toFixed(2).padStart(8)}`);
  }
  if (args.json) process.stdout.write(`${JSON.stringify({ clients: CLIENTS, requests: REQUESTS, results }, null, 2)}\n`);
}

await main();
