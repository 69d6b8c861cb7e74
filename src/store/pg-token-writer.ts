/**
 * PostgreSQL's write path for the token endpoint (see src/store/token-writer.ts).
 *
 * - Issuance: the rows of requests arriving in the same turn of the event loop go in one
 *   multi-row INSERT (group commit). If that fails (say, one client was deleted meanwhile), each
 *   request's rows are retried alone, so one bad request never fails the others.
 * - Rotation: one statement, so one round trip instead of four (BEGIN, UPDATE, INSERT, COMMIT): a
 *   data-modifying CTE retires the old token and the INSERT stores its successors only if it
 *   did. One statement is atomic: if an insert fails, the old token stays as it was.
 * - A branch inside the refresh grace window (the token was already retired: a concurrent or
 *   retried refresh; rare): a short transaction that locks the retired row, counts its successors
 *   and inserts. The lock makes branches of one token wait for each other, and each counting
 *   statement (READ COMMITTED: a fresh snapshot per statement) sees every branch committed before.
 */
import { sql, type Kysely } from 'kysely';
import { TOKEN_COLUMNS, TOKEN_INT8_COLUMNS, type Database, type TokensTable } from './schema.js';
import type { RotationGrace, RotationOutcome, TokenWriter } from './token-writer.js';

/** Most rows in one INSERT (16 parameters each, well under every placeholder limit). */
const MAX_BATCH_ROWS = 200;

interface PendingInsert {
  readonly rows: readonly TokensTable[];
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

const columnList = sql.join(TOKEN_COLUMNS.map((c) => sql.ref(c)));

function valuesRow(row: TokensTable) {
  // VALUES parameters have no column to take their type from: the int8 ones are cast.
  return sql`(${sql.join(TOKEN_COLUMNS.map((c) => (TOKEN_INT8_COLUMNS.has(c) ? sql`${row[c]}::bigint` : sql`${row[c]}::text`)))})`;
}

async function rotateInOneStatement(db: Kysely<Database>, oldId: string, nowMs: number, successors: readonly TokensTable[]): Promise<boolean> {
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

async function branchInGrace(db: Kysely<Database>, oldId: string, successors: readonly TokensTable[], grace: RotationGrace): Promise<RotationOutcome> {
  return db.transaction().execute(async (trx) => {
    const old = await trx
      .selectFrom('tokens')
      .select(['rotated_at', 'revoked_at'])
      .where('id', '=', oldId)
      .where('kind', '=', 'refresh_token')
      .forUpdate()
      .executeTakeFirst();
    if (!old || old.revoked_at !== null || old.rotated_at === null || Number(old.rotated_at) < grace.retiredSinceMs) return 'refused';
    const { n } = await trx
      .selectFrom('tokens')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('parent_id', '=', oldId)
      .where('kind', '=', 'refresh_token')
      .executeTakeFirstOrThrow();
    if (Number(n) >= grace.maxSuccessors) return 'exhausted';
    await trx.insertInto('tokens').values([...successors]).execute();
    return 'branched';
  });
}

export function createPgTokenWriter(db: Kysely<Database>): TokenWriter {
  const insertRows = async (trx: Kysely<Database>, rows: readonly TokensTable[]): Promise<void> => {
    if (rows.length > 0) await trx.insertInto('tokens').values([...rows]).execute();
  };
  let pending: PendingInsert[] = [];
  const flush = async (): Promise<void> => {
    const batch = pending;
    pending = [];
    const rows = batch.flatMap((p) => p.rows);
    try {
      if (rows.length <= MAX_BATCH_ROWS) await insertRows(db, rows);
      else {
        await db.transaction().execute(async (trx) => {
          for (let i = 0; i < rows.length; i += MAX_BATCH_ROWS) await insertRows(trx, rows.slice(i, i + MAX_BATCH_ROWS));
        });
      }
      for (const p of batch) p.resolve();
    } catch {
      for (const p of batch) await insertRows(db, p.rows).then(p.resolve, p.reject);
    }
  };
  return {
    insert: (rows) =>
      new Promise<void>((resolve, reject) => {
        if (pending.length === 0) setImmediate(() => void flush());
        pending.push({ rows, resolve, reject });
      }),
    async rotate(oldId, nowMs, successors, grace) {
      if (await rotateInOneStatement(db, oldId, nowMs, successors)) return 'rotated';
      return grace === null ? 'refused' : branchInGrace(db, oldId, successors, grace);
    },
    async markUsed(entries) {
      await db.transaction().execute(async (trx) => {
        for (const [id, at] of entries) await trx.updateTable('tokens').set({ last_used_at: at }).where('id', '=', id).execute();
      });
    },
  };
}
