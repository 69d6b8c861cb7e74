/**
 * Keygate under test: a fresh database per run (a temp SQLite file, or a database created on the
 * local PostgreSQL and dropped afterwards), seeding before the server starts (through the same
 * stores the server uses), and the built server `dist/main.js` as a child process.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { CLI_ACTOR } from '../../src/services/actor.js';
import { bootstrapIfEmpty } from '../../src/bootstrap.js';
import { loadConfig } from '../../src/config.js';
import { createContext, type Context } from '../../src/context.js';
import { displayPrefix, hashSecret, issueSecret, type SecretKind } from '../../src/domain/secret.js';
import type { TokenKind } from '../../src/domain/token.js';
import type { NewToken } from '../../src/store/token-store.js';
import { freePort, startNode, type Proc } from './proc.js';

export type DbKind = 'sqlite' | 'postgres';
export const PG_ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
/** The server under test; BENCH_KEYGATE_MAIN points at another build (before/after comparisons). */
export const MAIN = process.env.BENCH_KEYGATE_MAIN ?? join(process.cwd(), 'dist', 'main.js');

export interface BenchDatabase {
  readonly kind: DbKind;
  readonly url: string;
  drop(): Promise<void>;
}

export async function createDatabase(kind: DbKind): Promise<BenchDatabase> {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'keygate-bench-'));
    return { kind, url: `sqlite:${join(dir, 'keygate.sqlite')}`, drop: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })) };
  }
  const name = `keygate_bench_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    kind,
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

export interface Seed {
  readonly adminPassword: string;
  readonly userId: string;
  readonly username: string;
  readonly password: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Seeded through the store: used when the HTTP endpoints that issue them are not there yet. */
  readonly accessToken: string;
  readonly pat: string;
  /** What GET /api/1.0/users/me answers for the user (the bare server sends the same bytes). */
  readonly meJson: string;
}

export function openContext(db: BenchDatabase, env: Record<string, string> = {}): Promise<Context> {
  return createContext(loadConfig({ DATABASE_URL: db.url, LOG_LEVEL: 'silent', ...env }), { listen: false });
}

const KIND_SECRET: Record<TokenKind, SecretKind> = {
  access_token: 'accessToken',
  refresh_token: 'refreshToken',
  personal_access_token: 'personalAccessToken',
};

/** A token row for a raw token we keep (the raw value is never stored, only its digest). */
export function tokenRow(kind: TokenKind, raw: string, seed: Pick<Seed, 'clientId' | 'userId'>, origin: string, nowMs: number): NewToken {
  return {
    tokenHash: hashSecret(raw),
    kind,
    prefix: displayPrefix(raw),
    name: kind === 'personal_access_token' ? 'bench' : null,
    clientId: seed.clientId,
    userId: seed.userId,
    scopes: ['api'],
    origin,
    createdAt: nowMs,
    expiresAt: kind === 'personal_access_token' ? null : nowMs + 24 * 3600_000,
  };
}

export async function seedBase(db: BenchDatabase): Promise<Seed> {
  const adminPassword = randomBytes(18).toString('base64url');
  const password = randomBytes(18).toString('base64url');
  const ctx = await openContext(db, { KEYGATE_ADMIN_PASSWORD: adminPassword });
  try {
    await bootstrapIfEmpty(ctx);
    const user = await ctx.services.users.create(CLI_ACTOR, { username: 'bench', password, permissions: ['view-auth_clients'] });
    const { client, secret } = await ctx.services.clients.create(CLI_ACTOR, {
      name: 'Bench Client',
      types: ['client_credentials_grant', 'password_client', 'personal_access_client'],
      confidential: true,
      introspect_all: true,
    });
    const base = { clientId: client.id, userId: user.id };
    const now = Date.now();
    const accessToken = issueSecret('accessToken');
    const pat = issueSecret('personalAccessToken');
    await ctx.tokens.insertToken(tokenRow('access_token', accessToken, base, 'password', now));
    await ctx.tokens.insertToken(tokenRow('personal_access_token', pat, base, 'personal_access', now));
    const meJson = JSON.stringify({ id: user.id, username: user.username, administrator: user.administrator, permissions: user.permissions });
    return { adminPassword, userId: user.id, username: user.username, password, clientId: client.id, clientSecret: secret!, accessToken, pat, meJson };
  } finally {
    await ctx.close();
  }
}

/** Inserts `count` tokens whose raw values we keep, in big transactions. */
export async function insertKnownTokens(ctx: Context, seed: Seed, kind: TokenKind, count: number, origin = 'password', options: { usedNow?: boolean } = {}): Promise<string[]> {
  const raws: string[] = [];
  const now = Date.now();
  const batch = 1000;
  for (let i = 0; i < count; i += batch) {
    const rows: NewToken[] = [];
    for (let j = i; j < Math.min(count, i + batch); j++) {
      const raw = issueSecret(KIND_SECRET[kind]);
      raws.push(raw);
      rows.push(tokenRow(kind, raw, seed, origin, now));
    }
    await ctx.store.db.transaction().execute(async (trx) => {
      for (const row of rows) await ctx.tokens.insertToken(row, trx);
      // "Used a moment ago": the token check then has no last-use write due for a minute.
      if (options.usedNow) await trx.updateTable('tokens').set({ last_used_at: now }).where('token_hash', 'in', rows.map((r) => r.tokenHash)).execute();
    });
  }
  return raws;
}

/**
 * Fills the tokens table with `count` valid-looking rows whose raw tokens nobody knows (random
 * digests), generated inside the database so a million rows take seconds, not minutes.
 */
export async function insertFillerTokens(ctx: Context, seed: Seed, count: number, onProgress?: (done: number) => void): Promise<void> {
  const now = Date.now();
  const expires = now + 24 * 3600_000;
  const chunk = 100_000;
  for (let done = 0; done < count; ) {
    const n = Math.min(chunk, count - done);
    if (ctx.store.dialect === 'sqlite') {
      await sql`WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < ${n})
        INSERT INTO tokens (id, token_hash, kind, prefix, name, client_id, user_id, scopes, origin, grant_id, parent_id, created_at, expires_at, revoked_at, rotated_at, last_used_at)
        SELECT lower(hex(randomblob(16))), lower(hex(randomblob(32))), 'access_token', 'kg_at_fill', NULL, ${seed.clientId}, ${seed.userId}, 'api', 'password', NULL, NULL, ${now} - n, ${expires}, NULL, NULL, NULL FROM s`.execute(ctx.store.db);
    } else {
      await sql`INSERT INTO tokens (id, token_hash, kind, prefix, name, client_id, user_id, scopes, origin, grant_id, parent_id, created_at, expires_at, revoked_at, rotated_at, last_used_at)
        SELECT gen_random_uuid()::text, md5(random()::text || n::text) || md5(n::text || random()::text), 'access_token', 'kg_at_fill', NULL, ${seed.clientId}, ${seed.userId}, 'api', 'password', NULL, NULL, ${now}::int8 - n, ${expires}::int8, NULL, NULL, NULL
        FROM generate_series(1, ${n}::int) AS n`.execute(ctx.store.db);
    }
    done += n;
    onProgress?.(done);
  }
  if (ctx.store.dialect === 'postgres') await sql`ANALYZE tokens`.execute(ctx.store.db);
  else await sql`ANALYZE`.execute(ctx.store.db);
}

export interface KeygateServer {
  readonly proc: Proc;
  readonly base: string;
  /** The database it serves (to start the same build again with other settings). */
  readonly db: BenchDatabase;
  stop(): Promise<void>;
}

/**
 * The built server as shipped: default settings (LOG_LEVEL=info, so one access-log line per
 * request, written to /dev/null here), security headers on. `env` changes a setting for a row
 * that says so (the LOG_LEVEL=warn and KEYGATE_WORKERS=2 rows, the cache-off rows).
 */
export async function startKeygate(db: BenchDatabase, env: Record<string, string> = {}, nodeArgs: string[] = []): Promise<KeygateServer> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const proc = await startNode({
    name: 'keygate',
    args: [MAIN],
    nodeArgs,
    env: { DATABASE_URL: db.url, PORT: String(port), HOST: '127.0.0.1', ...env },
    readyUrl: `${base}/health`,
  });
  return { proc, base, db, stop: () => proc.stop() };
}
