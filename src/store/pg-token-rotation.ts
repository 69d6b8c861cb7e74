/**
 * Refresh-token rotation on PostgreSQL in one statement, so one round trip instead of four
 * (BEGIN, UPDATE, INSERT, COMMIT): a data-modifying CTE retires the old token and the INSERT
 * stores its successors only if it did. One statement is atomic: if an insert fails (the client
 * was deleted meanwhile), the old token stays as it was.
 */
import { sql, type Kysely } from 'kysely';
import { TOKEN_COLUMNS, TOKEN_INT8_COLUMNS, type Database, type TokensTable } from './schema.js';

const columnList = sql.join(TOKEN_COLUMNS.map((c) => sql.ref(c)));

function valuesRow(row: TokensTable) {
  // VALUES parameters have no column to take their type from: the int8 ones are cast.
  return sql`(${sql.join(TOKEN_COLUMNS.map((c) => (TOKEN_INT8_COLUMNS.has(c) ? sql`${row[c]}::bigint` : sql`${row[c]}::text`)))})`;
}

/** True when the token was retired and `successors` stored; false when it was already retired or revoked. */
export async function rotateInOneStatement(db: Kysely<Database>, oldId: string, nowMs: number, successors: readonly TokensTable[]): Promise<boolean> {
  const result = await sql<{ id: string }>`
    with retired as (
      update tokens set rotated_at = ${nowMs}
      where id = ${oldId} and kind = 'refresh_token' and rotated_at is null and revoked_at is null
      returning id
    )
    insert into tokens (${columnList})
    select * from (values ${sql.join(successors.map(valuesRow))}) as successor (${columnList})
    where exists (select 1 from retired)
    returning id`.execute(db);
  return result.rows.length > 0;
}
