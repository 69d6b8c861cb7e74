/**
 * The key the web keys are derived from, when KEYGATE_SECRET_KEY is not set and the store is a
 * SQLite file: 32 random bytes in `<database file>.key`, beside the database but not in it, so a
 * copy of the database (or a dump) does not hold what signs cookies and CSRF tokens.
 *
 * The file is created once, with mode 0600, exclusively: the bytes go to a temporary file of this
 * process (O_EXCL) which is then linked to the final name; link(2) fails if the name exists, like
 * O_EXCL, and the file appears only once complete. Two processes starting at once thus agree: the
 * loser reads the winner's key. The server's primary process calls `prepareKeyFile` before it
 * starts any worker, so workers only ever read it.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Config, DatabaseConfig } from '../config.js';
import { ensurePrivateDirectory } from './db.js';

export const KEY_FILE_BYTES = 32;

export class KeyFileError extends Error {
  override readonly name = 'KeyFileError';
}

/** Where the key file of a SQLite store lives; null for PostgreSQL and in-memory stores. */
export function keyFilePath(database: DatabaseConfig): string | null {
  if (database.kind !== 'sqlite' || database.path === ':memory:') return null;
  return `${resolve(database.path)}.key`;
}

function readKey(path: string): Buffer {
  const key = readFileSync(path);
  if (key.length !== KEY_FILE_BYTES) {
    throw new KeyFileError(`${path} must hold exactly ${KEY_FILE_BYTES} bytes (it holds ${key.length}); restore it, or delete it to log everyone out and start with a new key`);
  }
  return key;
}

/** The key in `path`, created (0600, exclusively) when there is none yet. */
export function loadOrCreateKeyFile(path: string): Buffer {
  try {
    return readKey(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  ensurePrivateDirectory(dirname(path));
  const temporary = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const fd = openSync(temporary, 'wx', 0o600);
  try {
    writeSync(fd, randomBytes(KEY_FILE_BYTES));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temporary, path);
  } catch (err) {
    // Another process created it first: its key is the one.
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    unlinkSync(temporary);
  }
  return readKey(path);
}

/**
 * Creates the key file when this configuration will use one (SQLite without KEYGATE_SECRET_KEY).
 * The server's primary calls it before anything else opens the store, so every worker reads the
 * same key.
 */
export function prepareKeyFile(config: Pick<Config, 'database' | 'secretKey'>): void {
  const path = config.secretKey === undefined ? keyFilePath(config.database) : null;
  if (path !== null) loadOrCreateKeyFile(path);
}
