/** Applies the migrations in src/store/migrations (001_*.ts …) in name order, on either dialect. */
import { readdir } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Migrator, type Migration, type MigrationProvider, type MigrationResultSet } from 'kysely';
import type { Store } from './db.js';

const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

class FolderMigrationProvider implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    const files = (await readdir(MIGRATIONS_DIR)).filter((f) => /^\d{3}_[\w-]+\.(js|ts)$/.test(f) && !f.endsWith('.d.ts'));
    const out: Record<string, Migration> = {};
    for (const file of files.sort()) {
      const name = file.replace(/\.(js|ts)$/, '');
      if (out[name]) continue;
      out[name] = (await import(pathToFileURL(join(MIGRATIONS_DIR, file)).href)) as Migration;
    }
    return out;
  }
}

export class MigrationError extends Error {
  override readonly name = 'MigrationError';
}

/** The migrations of src/store/migrations, for Kysely's Migrator. */
export function migrationProvider(): MigrationProvider {
  return new FolderMigrationProvider();
}

/** The longest a SQLite migration run waits for another process's run to finish. */
const SQLITE_MIGRATION_WAIT_MS = 60_000;

/**
 * Runs every pending migration; returns the names applied.
 *
 * PostgreSQL: Kysely runs them in one transaction under an advisory lock. SQLite: Kysely takes no
 * lock (it assumes one process) and no transaction, so two servers started at once on a fresh file
 * both ran 001 and one died on "table users already exists". Here the whole run holds SQLite's write
 * lock (BEGIN IMMEDIATE on the one connection Kysely uses): a second process waits, then finds
 * nothing pending; and a failed migration leaves the file as it was.
 */
export async function migrateToLatest(store: Store): Promise<string[]> {
  const migrator = new Migrator({ db: store.db, provider: migrationProvider() });
  const sqlite = store.sqlite;
  if (sqlite) await beginImmediate(sqlite);
  let result: MigrationResultSet;
  try {
    result = await migrator.migrateToLatest();
  } catch (err) {
    if (sqlite?.inTransaction) sqlite.exec('ROLLBACK');
    throw err;
  }
  if (sqlite?.inTransaction) sqlite.exec(result.error ? 'ROLLBACK' : 'COMMIT');
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error');
    const cause = result.error instanceof Error ? result.error.message : JSON.stringify(result.error);
    throw new MigrationError(`migration ${failed?.migrationName ?? '?'} failed: ${cause}`);
  }
  return (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/**
 * BEGIN IMMEDIATE, waiting while another connection migrates. The wait yields to the event loop
 * (busy_timeout off while asking) so that a second store in this same process can finish its run.
 */
async function beginImmediate(sqlite: NonNullable<Store['sqlite']>): Promise<void> {
  const until = Date.now() + SQLITE_MIGRATION_WAIT_MS;
  const busyTimeout = sqlite.pragma('busy_timeout', { simple: true }) as number;
  sqlite.pragma('busy_timeout = 0');
  try {
    for (;;) {
      try {
        sqlite.exec('BEGIN IMMEDIATE');
        return;
      } catch (err) {
        const code = (err as { code?: string }).code ?? '';
        if (!code.startsWith('SQLITE_BUSY') || Date.now() >= until) throw err;
      }
      await delay(20);
    }
  } finally {
    sqlite.pragma(`busy_timeout = ${busyTimeout}`);
  }
}
