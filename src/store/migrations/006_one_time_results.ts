/**
 * One-time results: a secret or token created by a console form, kept between the POST and the page
 * the browser is redirected to (post/redirect/get), so a reload shows "already shown" instead of
 * acting again. The value is sealed (AES-256-GCM, src/domain/sealed.ts) and bound to the session
 * that made it; the row is deleted when its page first shows it, after ten minutes, or with its
 * session (the foreign key cascades on logout and session expiry clean-up).
 */
import type { Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('one_time_results')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('session_hash', 'text', (c) => c.notNull().references('sessions.id_hash').onDelete('cascade'))
    .addColumn('sealed', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('one_time_results_session_hash_idx').on('one_time_results').column('session_hash').execute();
  await db.schema.createIndex('one_time_results_expires_at_idx').on('one_time_results').column('expires_at').execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('one_time_results').execute();
}
