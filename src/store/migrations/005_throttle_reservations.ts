/**
 * Throttle reservations: every login or password-grant attempt reserves its slot before the
 * password hash is computed (src/store/throttle-store.ts). A counter now also holds the attempts
 * in flight (`pending`, valid until `pending_until`: a crashed process's reservations lapse), and
 * `outcome`, the decision of the statement that last wrote the row, which that statement reads
 * back in its RETURNING clause (so one statement both decides and reports).
 *
 * On PostgreSQL the table becomes UNLOGGED: every attempt now writes its counters, and a flood
 * of guesses on one address updates one row over and over; without WAL each of those commits
 * skips the log flush (2-3x faster here). The price: after a PostgreSQL crash, or on a promoted
 * standby, the counters start from zero, which only gives back allowances the throttle keeps
 * for 15 minutes anyway.
 */
import { sql, SqliteAdapter, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('throttle_counters').addColumn('pending', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('throttle_counters').addColumn('pending_until', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('throttle_counters').addColumn('outcome', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  if (isPostgres(db)) await sql`alter table throttle_counters set unlogged`.execute(db);
}

// Asked of the adapter (as 002 does): a failed probing statement would abort PostgreSQL's transaction.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function isPostgres(db: Kysely<any>): boolean {
  return !(db.getExecutor().adapter instanceof SqliteAdapter);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  if (isPostgres(db)) await sql`alter table throttle_counters set logged`.execute(db);
  for (const column of ['outcome', 'pending_until', 'pending']) await db.schema.alterTable('throttle_counters').dropColumn(column).execute();
}
