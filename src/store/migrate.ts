/** Applies the migrations in src/store/migrations (001_*.ts …) in name order, on either dialect. */
import { readdir } from 'node:fs/promises';
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

/** Runs every pending migration; returns the names applied. */
export async function migrateToLatest(store: Store): Promise<string[]> {
  const migrator = new Migrator({ db: store.db, provider: migrationProvider() });
  const result: MigrationResultSet = await migrator.migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error');
    const cause = result.error instanceof Error ? result.error.message : JSON.stringify(result.error);
    throw new MigrationError(`migration ${failed?.migrationName ?? '?'} failed: ${cause}`);
  }
  return (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
