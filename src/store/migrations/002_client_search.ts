/**
 * Indexes for the Auth Client list filter (a case-insensitive substring search on name and
 * redirect, held lower-cased in `clients.search_text`), so it stays fast at 100,000 clients:
 *  - SQLite: an FTS5 table with the trigram tokenizer over `search_text` (external content, kept
 *    in step by triggers); a quoted phrase MATCH is a substring search for three or more characters.
 *  - PostgreSQL: pg_trgm with a GIN index, which serves `search_text LIKE '%…%'`.
 * Ordering by name uses the unique index on `name_key`; newest first uses (created_at, id).
 *
 * The unfiltered total comes from `client_count`, one row kept exact by triggers on both dialects:
 * count(*) over 100,000 rows costs ~10 ms on PostgreSQL, more than the whole rest of the request.
 */
import { sql, SqliteAdapter, type Kysely } from 'kysely';

// Asked of the adapter, not by a probing query: a failed statement would abort PostgreSQL's
// migration transaction.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function dialectOf(db: Kysely<any>): 'sqlite' | 'postgres' {
  return db.getExecutor().adapter instanceof SqliteAdapter ? 'sqlite' : 'postgres';
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('client_count')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('n', 'bigint', (c) => c.notNull())
    .execute();
  await sql`insert into client_count (id, n) select 1, count(*) from clients`.execute(db);
  if (dialectOf(db) === 'sqlite') {
    await sql`create trigger client_count_insert after insert on clients begin update client_count set n = n + 1 where id = 1; end`.execute(db);
    await sql`create trigger client_count_delete after delete on clients begin update client_count set n = n - 1 where id = 1; end`.execute(db);
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
    // Statement-level with transition tables: a bulk insert or a cascade updates the row once.
    await sql`create function client_count_change() returns trigger language plpgsql as $$
      begin
        if tg_op = 'INSERT' then
          update client_count set n = n + (select count(*) from new_rows) where id = 1;
        else
          update client_count set n = n - (select count(*) from old_rows) where id = 1;
        end if;
        return null;
      end $$`.execute(db);
    await sql`create trigger client_count_insert after insert on clients referencing new table as new_rows for each statement execute function client_count_change()`.execute(db);
    await sql`create trigger client_count_delete after delete on clients referencing old table as old_rows for each statement execute function client_count_change()`.execute(db);
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  if (dialectOf(db) === 'sqlite') {
    for (const name of ['clients_fts_insert', 'clients_fts_delete', 'clients_fts_update', 'client_count_insert', 'client_count_delete']) {
      await sql`drop trigger if exists ${sql.raw(name)}`.execute(db);
    }
    await sql`drop table if exists clients_fts`.execute(db);
  } else {
    await sql`drop trigger if exists client_count_insert on clients`.execute(db);
    await sql`drop trigger if exists client_count_delete on clients`.execute(db);
    await sql`drop function if exists client_count_change()`.execute(db);
    await sql`drop index if exists clients_search_text_trgm_idx`.execute(db);
  }
  await db.schema.dropTable('client_count').ifExists().execute();
}
