/**
 * Migrations when several processes open a fresh store at once (KEYGATE_WORKERS, two nodes, or a
 * server next to `keygate migrate`). Kysely locks PostgreSQL itself; on SQLite it assumes one
 * process, and two runs both applied 001 until the run held SQLite's write lock.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { sql } from 'kysely';
import { parseDatabaseUrl } from '../../src/config.js';
import { openStore } from '../../src/store/db.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { createTestDatabase, storeKinds, type TestDatabase } from '../helpers/stores.js';

const MIGRATIONS = readdirSync(join(dirname(fileURLToPath(import.meta.url)), '../../src/store/migrations'))
  .filter((f) => /^\d{3}_[\w-]+\.ts$/.test(f))
  .map((f) => f.replace(/\.ts$/, ''))
  .sort();

for (const kind of storeKinds()) {
  describe(`migrations [${kind}]`, () => {
    const dbs: TestDatabase[] = [];
    after(async () => {
      for (const db of dbs) await db.drop();
    });

    it('applies every migration exactly once when three stores migrate a fresh database at once', async () => {
      const db = await createTestDatabase(kind);
      dbs.push(db);
      const stores = [0, 1, 2].map(() => openStore(parseDatabaseUrl(db.url)));
      try {
        const runs = await Promise.all(stores.map((s) => migrateToLatest(s)));
        assert.deepEqual(runs.flat().sort(), MIGRATIONS, 'each migration applied by exactly one of the runs');
        assert.ok(runs.some((r) => r.length === MIGRATIONS.length), 'one run applied them all');
        assert.deepEqual(await migrateToLatest(stores[0]!), [], 'nothing is left pending');
        const recorded = (await sql<{ name: string }>`select name from kysely_migration order by name`.execute(stores[1]!.db)).rows;
        assert.deepEqual(recorded.map((r) => r.name), MIGRATIONS, 'one record per migration');
      } finally {
        for (const s of stores) await s.close();
      }
    });
  });
}
