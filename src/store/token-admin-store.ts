/**
 * Token hygiene across every kind, user and client, persistence only (src/services/token-hygiene.ts
 * validates, authorizes and audits): the administrators' list with the filters of the Tokens page
 * and the rotation-policy flag, revocation of what a filter matches, and the purge of expired and
 * revoked rows (and expired authorization codes) in short batches so a running server keeps answering.
 */
import { sql, type ExpressionBuilder, type Kysely, type SelectQueryBuilder } from 'kysely';
import { MS_PER_DAY, needsRotation } from '../domain/pat.js';
import type { TokenKind } from '../domain/token.js';
import type { Store } from './db.js';
import { splitScopes, toDate } from './db.js';
import type { Database } from './schema.js';
import { revokeRows, type RevokedTokens } from './token-revocation.js';

export interface TokenFilter {
  /** One token (the console's confirmation before revoking it). */
  readonly id?: string | undefined;
  readonly clientId?: string | undefined;
  readonly userId?: string | undefined;
  readonly kind?: TokenKind | undefined;
  /** Created more than N days ago. */
  readonly olderThanDays?: number | undefined;
  /** Not used in the last N days (never-used tokens count from their creation). */
  readonly unusedDays?: number | undefined;
  /** Exact token name (personal access tokens). */
  readonly name?: string | undefined;
  /** Created before this time (ms). */
  readonly before?: number | undefined;
}

export interface TokenOverview {
  readonly id: string;
  readonly kind: TokenKind;
  readonly name: string | null;
  readonly prefix: string;
  readonly clientId: string;
  readonly clientName: string;
  readonly userId: string | null;
  readonly username: string | null;
  readonly scopes: string[];
  readonly createdAt: Date;
  readonly expiresAt: Date | null;
  readonly lastUsedAt: Date | null;
  /** Older than the rotation policy (KEYGATE_TOKEN_ROTATION_DAYS). */
  readonly needsRotation: boolean;
}

export interface PurgeProgress {
  readonly deleted: number;
  readonly total: number;
}

export interface PurgeResult {
  /** Token rows deleted. */
  readonly deleted: number;
  /** Expired authorization codes deleted. */
  readonly codesDeleted: number;
  readonly batches: number;
  readonly durationMs: number;
}

export const PURGE_BATCH_SIZE = 5_000;

type TokenQuery = SelectQueryBuilder<Database, 'tokens', object>;

/** Only tokens that still work: not revoked, not rotated away, not expired. */
function whereActive<Q extends TokenQuery>(q: Q, nowMs: number): Q {
  return q
    .where('tokens.revoked_at', 'is', null)
    .where('tokens.rotated_at', 'is', null)
    .where((eb: ExpressionBuilder<Database, 'tokens'>) => eb.or([eb('tokens.expires_at', 'is', null), eb('tokens.expires_at', '>', nowMs)])) as Q;
}

function applyFilter<Q extends TokenQuery>(q: Q, f: TokenFilter, nowMs: number): Q {
  let out = q as TokenQuery;
  if (f.id !== undefined) out = out.where('tokens.id', '=', f.id);
  if (f.clientId !== undefined) out = out.where('tokens.client_id', '=', f.clientId);
  if (f.userId !== undefined) out = out.where('tokens.user_id', '=', f.userId);
  if (f.kind !== undefined) out = out.where('tokens.kind', '=', f.kind);
  if (f.name !== undefined) out = out.where('tokens.name', '=', f.name);
  if (f.before !== undefined) out = out.where('tokens.created_at', '<', f.before);
  if (f.olderThanDays !== undefined) out = out.where('tokens.created_at', '<', nowMs - f.olderThanDays * MS_PER_DAY);
  if (f.unusedDays !== undefined) {
    const since = nowMs - f.unusedDays * MS_PER_DAY;
    out = out.where((eb) =>
      eb.or([eb('tokens.last_used_at', '<', since), eb.and([eb('tokens.last_used_at', 'is', null), eb('tokens.created_at', '<', since)])]),
    );
  }
  return out as Q;
}

export type TokenAdminStore = ReturnType<typeof createTokenAdminStore>;

export function createTokenAdminStore(store: Store) {
  const { db } = store;
  const activeMatching = (q: Kysely<Database>, f: TokenFilter, nowMs: number) => applyFilter(whereActive(q.selectFrom('tokens'), nowMs), f, nowMs);

  return {
    /** Active tokens matching the filter, newest first. */
    async list(
      f: TokenFilter,
      options: { page: number; perPage: number; rotationDays: number },
      nowMs = Date.now(),
    ): Promise<{ data: TokenOverview[]; total: number }> {
      const total = await activeMatching(db, f, nowMs).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      const rows = await activeMatching(db, f, nowMs)
        .innerJoin('clients as c', 'c.id', 'tokens.client_id')
        .leftJoin('users as u', 'u.id', 'tokens.user_id')
        .select([
          'tokens.id', 'tokens.kind', 'tokens.name', 'tokens.prefix', 'tokens.client_id', 'c.name as client_name', 'tokens.user_id',
          'u.username', 'tokens.scopes', 'tokens.created_at', 'tokens.expires_at', 'tokens.last_used_at',
        ])
        .orderBy('tokens.created_at', 'desc')
        .orderBy('tokens.id', 'desc')
        .limit(options.perPage)
        .offset((options.page - 1) * options.perPage)
        .execute();
      return {
        total: Number(total.n),
        data: rows.map((r) => ({
          id: r.id,
          kind: r.kind as TokenKind,
          name: r.name,
          prefix: r.prefix,
          clientId: r.client_id,
          clientName: r.client_name,
          userId: r.user_id,
          username: r.username ?? null,
          scopes: splitScopes(r.scopes),
          createdAt: toDate(r.created_at),
          expiresAt: toDate(r.expires_at),
          lastUsedAt: toDate(r.last_used_at),
          needsRotation: needsRotation(Number(r.created_at), nowMs, options.rotationDays),
        })),
      };
    },

    /** A client id from an id or a name (case-insensitive), or null. */
    async resolveClient(ref: string): Promise<string | null> {
      const row = await db
        .selectFrom('clients')
        .select('id')
        .where((eb) => eb.or([eb('id', '=', ref), eb('name_key', '=', ref.trim().toLowerCase())]))
        .executeTakeFirst();
      return row?.id ?? null;
    },

    /** A user id from an id or a username (case-insensitive), or null. */
    async resolveUser(ref: string): Promise<string | null> {
      const row = await db
        .selectFrom('users')
        .select('id')
        .where((eb) => eb.or([eb('id', '=', ref), eb('username_key', '=', ref.trim().toLowerCase())]))
        .executeTakeFirst();
      return row?.id ?? null;
    },

    /** How many active tokens match the filter. */
    async count(f: TokenFilter, nowMs: number, q: Kysely<Database> = db): Promise<number> {
      const row = await activeMatching(q, f, nowMs).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      return Number(row.n);
    },

    /**
     * Revokes every active token matching the filter, and the access tokens issued from matching
     * refresh tokens, in the caller's transaction.
     */
    async revokeMatching(trx: Kysely<Database>, f: TokenFilter, nowMs: number): Promise<RevokedTokens> {
      return revokeRows(trx, await activeMatching(trx, f, nowMs).select(['tokens.id', 'tokens.token_hash']).execute(), nowMs, { withChildren: true });
    },

    /** One token of any kind with its client and user (active or not), or null. */
    async find(id: string, q: Kysely<Database> = db): Promise<{ id: string; kind: TokenKind; name: string | null; clientId: string; userId: string | null; tokenHash: string; revokedAt: number | null } | null> {
      if (id.length > 100) return null;
      const row = await q.selectFrom('tokens').select(['id', 'kind', 'name', 'client_id', 'user_id', 'token_hash', 'revoked_at']).where('id', '=', id).executeTakeFirst();
      if (!row) return null;
      return { id: row.id, kind: row.kind as TokenKind, name: row.name, clientId: row.client_id, userId: row.user_id, tokenHash: row.token_hash, revokedAt: row.revoked_at === null ? null : Number(row.revoked_at) };
    },

    /** How many rows a purge would delete now. */
    async purgeable(nowMs = Date.now()): Promise<number> {
      const expired = await db.selectFrom('tokens').select((eb) => eb.fn.countAll<number>().as('n')).where('expires_at', '<=', nowMs).executeTakeFirstOrThrow();
      const revoked = await db
        .selectFrom('tokens')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('revoked_at', 'is not', null)
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', nowMs)]))
        .executeTakeFirstOrThrow();
      return Number(expired.n) + Number(revoked.n);
    },

    /**
     * Deletes expired and revoked tokens in batches of `batchSize`, each its own short
     * transaction, yielding between batches so other writers (a running server) get their turn.
     * Idempotent: a second run finds nothing.
     */
    async purge(options: { batchSize?: number; nowMs?: number; pauseMs?: number; onProgress?: (p: PurgeProgress) => void } = {}): Promise<PurgeResult> {
      const started = Date.now();
      const nowMs = options.nowMs ?? Date.now();
      const batchSize = options.batchSize ?? PURGE_BATCH_SIZE;
      const total = await this.purgeable(nowMs);
      let deleted = 0;
      let batches = 0;
      options.onProgress?.({ deleted, total });
      // Two passes, each walking its own index: expired rows, then revoked ones. Each batch is one
      // DELETE … WHERE key IN (SELECT … LIMIT n): a single short statement (SQLite by rowid).
      const key = store.dialect === 'sqlite' ? sql.raw('rowid') : sql.raw('id');
      const passes = [sql`expires_at <= ${nowMs}`, sql`revoked_at is not null`];
      for (const condition of passes) {
        for (;;) {
          const res = await sql`delete from tokens where ${key} in (select ${key} from tokens where ${condition} limit ${batchSize})`.execute(db);
          const n = Number(res.numAffectedRows ?? 0);
          if (n === 0) break;
          deleted += n;
          batches++;
          options.onProgress?.({ deleted, total: Math.max(total, deleted) });
          await new Promise((resolve) => setTimeout(resolve, options.pauseMs ?? 5));
        }
      }
      // Expired authorization codes (60 s each) and device codes (RFC 8628, 10 minutes): nothing
      // else deletes them but the server's housekeeping timer.
      let codesDeleted = 0;
      const codeKey = store.dialect === 'sqlite' ? sql.raw('rowid') : sql.raw('id');
      for (const table of [sql.raw('authorization_codes'), sql.raw('device_codes')]) {
        for (;;) {
          const res = await sql`delete from ${table} where ${codeKey} in (select ${codeKey} from ${table} where expires_at <= ${nowMs} limit ${batchSize})`.execute(db);
          const n = Number(res.numAffectedRows ?? 0);
          codesDeleted += n;
          if (n < batchSize) break;
        }
      }
      return { deleted, codesDeleted, batches, durationMs: Date.now() - started };
    },
  };
}

/** The filter as audit details (ids and dates only: never a token). */
export function describeFilter(f: TokenFilter): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  if (f.clientId !== undefined) out.client_id = f.clientId;
  if (f.userId !== undefined) out.user_id = f.userId;
  if (f.kind !== undefined) out.kind = f.kind;
  if (f.name !== undefined) out.name = f.name;
  if (f.before !== undefined) out.before = new Date(f.before).toISOString();
  if (f.olderThanDays !== undefined) out.older_than_days = f.olderThanDays;
  if (f.unusedDays !== undefined) out.unused_days = f.unusedDays;
  return out;
}
