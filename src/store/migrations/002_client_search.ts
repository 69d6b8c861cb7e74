/**
 * Indexes for the Auth Client list filter (a case-insensitive substring search on name and
 * redirect, held lower-cased in `clients.search_text`), so it stays fast at 100,000 clients:
 *  - SQLite: an FTS5 table with the trigram tokenizer over `search_text` (external content, kept
 *    in step by triggers); a quoted phrase MATCH is a substring search for three or more characters.
 *  - PostgreSQL: pg_trgm with a GIN index, which serves `search_text LIKE '%…%'`.
 * Ordering by name uses the unique index on `name_key`; newest first uses (created_at, id).
 */
import { sql, SqliteAdapter, type Kysely } from 'kysely';

// Asked of the adapter, not by a probing query: a failed statement would abort PostgreSQL's
// migration transaction.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function dialectOf(db: Kysely<any>): Promise<'sqlite' | 'postgres'> {
  return db.getExecutor().adapter instanceof SqliteAdapter ? 'sqlite' : 'postgres';
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  if ((await dialectOf(db)) === 'sqlite') {
    await sql`create virtual table clients_fts using fts5(search_text, content='clients', content_rowid='rowid', tokenize='trigram')`.execute(db);
    await sql`create trigger clients_fts_insert after insert on clients begin
      insert into clients_fts(rowid, search_text) values (new.rowid, new.search_text);
    end`.execute(db);
    await sql`create trigger clients_fts_delete after delete on clients begin
      insert into clients_fts(clients_fts, rowid, search_text) values ('delete', old.rowid, old.search_text);
    end`.execute(db);
    await sql`create trigger clients_fts_update after update of search_text on clients begin
      insert into clients_fts(clients_fts, rowid, search_text) values ('delete', old.rowid, old.search_text);
      insert into clients_fts(rowid, search_text) values (new.rowid, new.search_text);
    end`.execute(db);
    await sql`insert into clients_fts(clients_fts) values ('rebuild')`.execute(db);
  } else {
    await sql`create extension if not exists pg_trgm`.execute(db);
    await sql`create index clients_search_text_trgm_idx on clients using gin (search_text gin_trgm_ops)`.execute(db);
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  if ((await dialectOf(db)) === 'sqlite') {
    for (const name of ['clients_fts_insert', 'clients_fts_delete', 'clients_fts_update']) await sql`drop trigger if exists ${sql.raw(name)}`.execute(db);
    await sql`drop table if exists clients_fts`.execute(db);
  } else {
    await sql`drop index if exists clients_search_text_trgm_idx`.execute(db);
  }
}
