/**
 * `keygate tokens:purge` on a big store while a server is busy:
 *
 *   npx tsx bench/purge.ts [--db sqlite|postgres] [--rows 1000000] [--json]
 *
 * Seeds N expired tokens (generated inside the database), starts the built server (dist/main.js)
 * on the same store, polls it with API calls (GET /users/me and GET /users/{id}/tokens, which
 * reads the store) from 4 concurrent loops, and runs the built CLI's `tokens:purge` meanwhile.
 * Reports the purge's duration and rows/s, and the server's request count, max and p99 latency
 * and error count during the purge. Run `npm run build` first.
 */
import { spawn, type ChildProcess } from 'node:child_process';
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
import { createContext } from '../src/context.js';
import { CLI_ACTOR } from '../src/services/actor.js';

const { values: args } = parseArgs({ options: { db: { type: 'string', default: 'sqlite' }, rows: { type: 'string', default: '1000000' }, json: { type: 'boolean' } } });
const kind = args.db === 'postgres' ? 'postgres' : 'sqlite';
const rows = Number(args.rows);
const PG_ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const log = (line: string) => process.stderr.write(`${line}\n`);

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

async function createDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'keygate-purge-'));
    return { url: `sqlite:${join(dir, 'keygate.sqlite')}`, drop: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })) };
  }
  const name = `keygate_purge_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`).finally(() => admin.end());
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).finally(() => c.end());
    },
  };
}

/** Seeds the store: admin, the PAT client, one live PAT for polling, and `rows` expired tokens. */
async function seed(url: string): Promise<{ pat: string; userId: string }> {
  const ctx = await createContext(loadConfig({ DATABASE_URL: url, LOG_LEVEL: 'silent', KEYGATE_ADMIN_PASSWORD: randomBytes(12).toString('base64url') }), { listen: false });
  try {
    await bootstrapIfEmpty(ctx);
    const admin = (await ctx.users.findByUsername('admin'))!;
    const issued = await ctx.services.pats.create(CLI_ACTOR, admin.id, { name: 'bench poller', expiresAt: null });
    const clientId = issued.pat.clientId;
    // The expired rows belong to a user of their own, so the polled lists stay small.
    const filler = await ctx.services.users.create(CLI_ACTOR, { username: 'bench-filler', password: randomBytes(12).toString('base64url') });
    const now = Date.now();
    const chunk = 100_000;
    for (let done = 0; done < rows; done += chunk) {
      const n = Math.min(chunk, rows - done);
      if (ctx.store.dialect === 'sqlite') {
        await sql`WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < ${n})
          INSERT INTO tokens (id, token_hash, kind, prefix, name, client_id, user_id, scopes, origin, grant_id, parent_id, created_at, expires_at, revoked_at, rotated_at, last_used_at)
          SELECT lower(hex(randomblob(16))), lower(hex(randomblob(32))), 'access_token', 'kg_at_old', NULL, ${clientId}, ${filler.id}, 'api', 'personal_access', NULL, NULL, ${now - 7 * 86_400_000} - n, ${now - 86_400_000} - n, NULL, NULL, NULL FROM s`.execute(ctx.store.db);
      } else {
        await sql`INSERT INTO tokens (id, token_hash, kind, prefix, name, client_id, user_id, scopes, origin, grant_id, parent_id, created_at, expires_at, revoked_at, rotated_at, last_used_at)
          SELECT gen_random_uuid()::text, md5(random()::text || n::text) || md5(n::text || random()::text), 'access_token', 'kg_at_old', NULL, ${clientId}, ${filler.id}, 'api', 'personal_access', NULL, NULL, ${now - 7 * 86_400_000}::int8 - n, ${now - 86_400_000}::int8 - n, NULL, NULL, NULL
          FROM generate_series(1, ${n}::int) AS n`.execute(ctx.store.db);
      }
      log(`seeded ${Math.min(rows, done + n)} / ${rows} expired tokens`);
    }
    await sql`ANALYZE`.execute(ctx.store.db);
    return { pat: issued.token, userId: admin.id };
  } finally {
    await ctx.close();
  }
}

function startServer(url: string, port: number): ChildProcess {
  return spawn(process.execPath, [join(process.cwd(), 'dist', 'main.js')], {
    env: { ...process.env, DATABASE_URL: url, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

async function waitHealthy(base: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(`${base}/health`)).status === 200) return;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('server did not start');
}

function runPurge(url: string): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(process.cwd(), 'dist', 'cli', 'index.js'), 'tokens:purge', '--json'], { env: { ...process.env, DATABASE_URL: url, LOG_LEVEL: 'silent' }, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.on('close', (code) => resolve({ code, stdout }));
  });
}

const db = await createDatabase();
let server: ChildProcess | null = null;
try {
  log(`seeding ${rows} expired tokens into ${kind}…`);
  const { pat, userId } = await seed(db.url);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  server = startServer(db.url, port);
  await waitHealthy(base);

  const latencies: number[] = [];
  let errors = 0;
  let polling = true;
  const headers = { authorization: `Bearer ${pat}` };
  const paths = ['/api/1.0/users/me', `/api/1.0/users/${userId}/tokens?per_page=5`];
  const loop = async (offset: number) => {
    for (let i = offset; polling; i++) {
      const started = performance.now();
      try {
        const res = await fetch(`${base}${paths[i % paths.length]}`, { headers });
        await res.arrayBuffer();
        if (res.status !== 200) errors++;
      } catch {
        errors++;
      }
      latencies.push(performance.now() - started);
    }
  };
  const loops = [0, 1, 2, 3].map(loop);
  await new Promise((r) => setTimeout(r, 500)); // warm up
  latencies.length = 0;
  errors = 0;

  const started = performance.now();
  const purge = await runPurge(db.url);
  const wallMs = performance.now() - started;
  polling = false;
  await Promise.all(loops);
  if (purge.code !== 0) throw new Error(`tokens:purge exited ${purge.code}`);
  const summary = JSON.parse(purge.stdout) as { deleted: number; batches: number; duration_ms: number; rows_per_second: number };
  const sorted = [...latencies].sort((a, b) => a - b);
  const result = {
    store: kind,
    rows_seeded: rows,
    deleted: summary.deleted,
    batches: summary.batches,
    purge_ms: summary.duration_ms,
    cli_wall_ms: Math.round(wallMs),
    rows_per_second: summary.rows_per_second,
    server_requests: latencies.length,
    server_errors: errors,
    server_max_latency_ms: Math.round(sorted[sorted.length - 1] ?? 0),
    server_p99_latency_ms: Math.round(sorted[Math.floor(sorted.length * 0.99)] ?? 0),
    server_p50_latency_ms: Math.round((sorted[Math.floor(sorted.length * 0.5)] ?? 0) * 10) / 10,
  };
  if (args.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else {
    process.stdout.write(
      `tokens:purge on ${kind}: deleted ${result.deleted} rows in ${(result.purge_ms / 1000).toFixed(1)} s (${result.rows_per_second} rows/s, ${result.batches} batches)\n` +
        `server during the purge: ${result.server_requests} requests, ${result.server_errors} errors, p50 ${result.server_p50_latency_ms} ms, p99 ${result.server_p99_latency_ms} ms, max ${result.server_max_latency_ms} ms\n`,
    );
  }
} finally {
  if (server && server.exitCode === null && server.pid) {
    const exited = new Promise((r) => server!.once('exit', r));
    process.kill(server.pid, 'SIGTERM');
    await exited;
  }
  await db.drop();
}
