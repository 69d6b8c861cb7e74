/**
 * Token issuance writes every index of `tokens`. Columns that most tokens leave NULL (a client-
 * credentials token has no user, grant, parent or revocation) get partial indexes over the rows
 * that hold a value, so issuing such a token skips them. Every query on these columns compares
 * them with a value (=, IN, IS NOT NULL), which lets both SQLite and PostgreSQL use the partial index.
 */
import { sql, type Kysely } from 'kysely';

const PARTIAL = ['user_id', 'grant_id', 'parent_id', 'revoked_at'] as const;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  for (const column of PARTIAL) {
    await db.schema.dropIndex(`tokens_${column}_idx`).execute();
    await db.schema
      .createIndex(`tokens_${column}_idx`)
      .on('tokens')
      .column(column)
      .where(sql.ref(column), 'is not', null)
      .execute();
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  for (const column of PARTIAL) {
    await db.schema.dropIndex(`tokens_${column}_idx`).execute();
    await db.schema.createIndex(`tokens_${column}_idx`).on('tokens').column(column).execute();
  }
}
