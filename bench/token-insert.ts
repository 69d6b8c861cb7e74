/**
 * What storing one token costs SQLite itself, outside any server: the floor under scenario 2
 * (docs/performance.md, "Token endpoint"). Client-credentials token rows, built as the token
 * endpoint builds them, go into
 *   1. Keygate's own store: a fresh file, migrated, with the server's pragmas and its checkpoint
 *      thread, in transactions of 30 rows (a busy group commit), with the prepared INSERT the
 *      token writer uses;
 *   2. an in-memory database holding only the `tokens` table and its indexes (no I/O at all);
 *   3. the same with no index but the two a token store needs (id, digest).
 * CPU time of this process (all threads) per row is printed.
 *
 *   npx tsx bench/token-insert.ts [--rows 200000]
 */
import { parseArgs } from 'node:util';
import SQLite from 'better-sqlite3';
import { loadConfig } from '../src/config.js';
import { displayPrefix, hashSecret, issueSecret } from '../src/domain/secret.js';
import { openStore } from '../src/store/db.js';
import { TOKEN_COLUMNS } from '../src/store/schema.js';
import { toRow } from '../src/store/token-store.js';
import type { TokensTable } from '../src/store/schema.js';
import { createDatabase, seedBase } from './lib/keygate.js';

const { values: args } = parseArgs({ options: { rows: { type: 'string', default: '200000' } } });
const ROWS = Number(args.rows);
const BATCH = 30;
const INSERT = `insert into tokens (${TOKEN_COLUMNS.join(', ')}) values (${TOKEN_COLUMNS.map((c) => `@${c}`).join(', ')})`;

function rows(clientId: string): TokensTable[] {
  const now = Date.now();
  return Array.from({ length: ROWS }, () => {
    const raw = issueSecret('accessToken');
    return toRow({ tokenHash: hashSecret(raw), kind: 'access_token', prefix: displayPrefix(raw), clientId, userId: null, scopes: ['api'], origin: 'client_credentials', createdAt: now, expiresAt: now + 3600_000 });
  });
}

/** CPU µs per row for inserting `all` in transactions of BATCH rows. */
function insertAll(sqlite: SQLite.Database, all: readonly TokensTable[]): number {
  const insert = sqlite.prepare(INSERT);
  const batch = sqlite.transaction((slice: readonly TokensTable[]) => {
    for (const row of slice) insert.run(row);
  });
  const before = process.cpuUsage();
  for (let i = 0; i < all.length; i += BATCH) batch(all.slice(i, i + BATCH));
  const used = process.cpuUsage(before);
  return (used.user + used.system) / all.length;
}

/** An in-memory database with the `tokens` table of `from`, and its indexes unless `bare`. */
function inMemoryCopy(from: SQLite.Database, clientId: string, bare: boolean): SQLite.Database {
  const mem = new SQLite(':memory:');
  mem.pragma('foreign_keys = ON');
  mem.exec('create table clients (id text primary key); create table users (id text primary key)');
  mem.prepare('insert into clients (id) values (?)').run(clientId);
  const schema = from.prepare("select type, sql from sqlite_master where tbl_name = 'tokens' and sql is not null").all() as Array<{ type: string; sql: string }>;
  for (const { type, sql } of schema) if (type === 'table' || !bare) mem.exec(sql);
  return mem;
}

const db = await createDatabase('sqlite');
try {
  const seed = await seedBase(db);
  const store = openStore(loadConfig({ DATABASE_URL: db.url, LOG_LEVEL: 'silent' }).database);
  const sqlite = store.sqlite!;
  const indexes = (sqlite.prepare("select count(*) from sqlite_master where type = 'index' and tbl_name = 'tokens'").pluck().get() as number);
  const results: Array<[string, number]> = [];
  results.push([`Keygate's store on file (WAL, checkpoint thread), ${indexes} indexes`, insertAll(sqlite, rows(seed.clientId))]);
  const mem = inMemoryCopy(sqlite, seed.clientId, false);
  results.push([`in memory, the same table and ${indexes} indexes`, insertAll(mem, rows(seed.clientId))]);
  const bare = inMemoryCopy(sqlite, seed.clientId, true);
  results.push(['in memory, only the primary key and the unique digest', insertAll(bare, rows(seed.clientId))]);
  await store.close();
  process.stdout.write(`${ROWS.toLocaleString('en-US')} client-credentials token rows, ${BATCH} per transaction; CPU µs per row (all threads)\n`);
  for (const [what, us] of results) process.stdout.write(`  ${us.toFixed(1).padStart(6)}  ${what}\n`);
} finally {
  await db.drop();
}
