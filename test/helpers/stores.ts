/**
 * The stores a suite runs on: SQLite always, PostgreSQL when TEST_DATABASE_URL is set. Each call
 * makes a fresh database (a temp SQLite file, or CREATE DATABASE on the PostgreSQL server) and
 * drops it afterwards, so test files can run in parallel.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export type StoreKind = 'sqlite' | 'postgres';

export const PG_URL = process.env.TEST_DATABASE_URL;
export const REQUIRE_PG = process.env.KEYGATE_REQUIRE_PG === '1';

/** The store kinds to run on; fails loudly when PostgreSQL is required but not configured. */
export function storeKinds(): StoreKind[] {
  if (PG_URL) return ['sqlite', 'postgres'];
  if (REQUIRE_PG) throw new Error('KEYGATE_REQUIRE_PG=1 but TEST_DATABASE_URL is not set: the PostgreSQL suites cannot be skipped');
  return ['sqlite'];
}

export interface TestDatabase {
  readonly kind: StoreKind;
  readonly url: string;
  /** For SQLite: the file path (to scan it, or open it from another process). */
  readonly path?: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(kind: StoreKind): Promise<TestDatabase> {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'keygate-test-'));
    const path = join(dir, 'keygate.sqlite');
    return { kind, url: `sqlite:${path}`, path, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  if (!PG_URL) throw new Error('TEST_DATABASE_URL is not set');
  const name = `keygate_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(PG_URL);
  url.pathname = `/${name}`;
  return {
    kind,
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
