/**
 * Token hygiene across every kind, user and client: the administrators' list (with the filters of
 * the Tokens page and the rotation-policy flag), bulk revocation by client / user / name /
 * created-before (with a count-only dry run), and the purge of expired and revoked rows in short
 * batches so a running server keeps answering.
 */
import { sql, type ExpressionBuilder, type Kysely, type SelectQueryBuilder } from 'kysely';
import { MS_PER_DAY, needsRotation, parseBeforeDate } from '../domain/pat.js';
import { isTokenKind, type TokenKind } from '../domain/token.js';
import type { Actor, AuditStore } from './audit-store.js';
import type { Store } from './db.js';
import { splitScopes, toDate } from './db.js';
import type { Database } from './schema.js';
import type { TokenStore } from './token-store.js';

export interface TokenFilter {
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
  readonly deleted: number;
  readonly batches: number;
  readonly durationMs: number;
}

export const PURGE_BATCH_SIZE = 5_000;

/** A filter as people type it: client and user by id or name, dates as text. */
export interface TokenFilterInput {
  readonly client?: string | undefined;
  readonly user?: string | undefined;
  readonly kind?: string | undefined;
  readonly name?: string | undefined;
  readonly before?: string | undefined;
  readonly olderThanDays?: number | undefined;
  readonly unusedDays?: number | undefined;
}

export type FilterResult = { readonly ok: true; readonly filter: TokenFilter } | { readonly ok: false; readonly errors: Record<string, string[]> };

/** True when a filter names at least one of client, user, name, before (what bulk revocation requires). */
export function hasRevokeCriterion(f: TokenFilterInput): boolean {
  return [f.client, f.user, f.name, f.before].some((v) => v !== undefined && v.trim() !== '');
}

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

export function createTokenAdminStore(store: Store, tokens: Pick<TokenStore, 'revokeWhere'>, audit: Pick<AuditStore, 'record'>) {
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

    /** Resolves names and dates; unknown clients, users, kinds and unreadable dates are field errors. */
    async resolveFilter(input: TokenFilterInput): Promise<FilterResult> {
      const errors: Record<string, string[]> = {};
      const given = (v: string | undefined) => (v !== undefined && v.trim() !== '' ? v.trim() : undefined);
      const filter: { -readonly [K in keyof TokenFilter]: TokenFilter[K] } = {};
      const client = given(input.client);
      if (client !== undefined) {
        const id = await this.resolveClient(client);
        if (id === null) errors.client = [`No client with the id or name "${client}".`];
        else filter.clientId = id;
      }
      const user = given(input.user);
      if (user !== undefined) {
        const id = await this.resolveUser(user);
        if (id === null) errors.user = [`No user with the id or username "${user}".`];
        else filter.userId = id;
      }
      const kind = given(input.kind);
      if (kind !== undefined) {
        if (isTokenKind(kind)) filter.kind = kind;
        else errors.kind = ['The kind must be access_token, refresh_token or personal_access_token.'];
      }
      const name = given(input.name);
      if (name !== undefined) filter.name = name;
      const before = given(input.before);
      if (before !== undefined) {
        const ms = parseBeforeDate(before);
        if (ms === null) errors.before = ['The Before date must be YYYY-MM-DD or an ISO 8601 time.'];
        else filter.before = ms;
      }
      if (input.olderThanDays !== undefined) filter.olderThanDays = input.olderThanDays;
      if (input.unusedDays !== undefined) filter.unusedDays = input.unusedDays;
      return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, filter };
    },

    /** Clients for the filter menus, by name (at most 1,000). */
    async clientOptions(): Promise<Array<{ id: string; name: string }>> {
      return db.selectFrom('clients').select(['id', 'name']).orderBy('name_key').limit(1000).execute();
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

    /**
     * Revokes every active token matching the filter (and the access tokens issued from matching
     * refresh tokens); with `dryRun`, only counts them. Audited as token.bulk_revoked.
     */
    async bulkRevoke(f: TokenFilter, actor: Actor, options: { dryRun?: boolean } = {}, nowMs = Date.now()): Promise<number> {
      if (options.dryRun) {
        const row = await activeMatching(db, f, nowMs).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
        return Number(row.n);
      }
      const count = await tokens.revokeWhere((trx) => activeMatching(trx, f, nowMs).select(['tokens.id', 'tokens.token_hash']).execute(), nowMs, { withChildren: true });
      await audit.record({ type: 'token.bulk_revoked', actor, subjectType: 'token', details: { filter: describeFilter(f), count } }, db, nowMs);
      return count;
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
      return { deleted, batches, durationMs: Date.now() - started };
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
