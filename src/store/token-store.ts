/**
 * Tokens of every kind (access, refresh, personal access) live in one table, keyed by the
 * SHA-256 digest of the token. This store holds what the token check and revocation need; the
 * grant handlers and the PAT service add issuance on top of `insertToken`.
 */
import { CompiledQuery, sql, type Kysely } from 'kysely';
import { newTokenId, type TokenKind } from '../domain/token.js';
import type { Store } from './db.js';
import { fromFlag, parseJsonArray, splitScopes, stableParam } from './db.js';
import type { Invalidation, InvalidationEvents } from './invalidation.js';
import type { Database, TokensTable } from './schema.js';
import { createPgTokenWriter } from './pg-token-writer.js';
import { createSqliteTokenWriter } from './sqlite-token-writer.js';
import type { RotationGrace, RotationOutcome, TokenWriter } from './token-writer.js';
import { revokeRows } from './token-revocation.js';

/** Everything the token check needs about one token, from a single indexed lookup. */
export interface TokenCheckRecord {
  readonly id: string;
  readonly kind: TokenKind;
  readonly clientId: string;
  readonly clientTypes: string[];
  readonly clientPermissions: string[];
  readonly userId: string | null;
  readonly username: string | null;
  readonly administrator: boolean;
  /** The user's granted permissions (empty for a client-credentials token). */
  readonly userPermissions: string[];
  readonly scopes: string[];
  readonly origin: string;
  readonly createdAt: number;
  readonly expiresAt: number | null;
  readonly revokedAt: number | null;
  readonly rotatedAt: number | null;
  readonly lastUsedAt: number | null;
}

export interface NewToken {
  /** Chosen by the caller when another new row must point at this one (parent_id); else generated. */
  readonly id?: string;
  readonly tokenHash: string;
  readonly kind: TokenKind;
  readonly prefix: string;
  readonly name?: string | null;
  readonly clientId: string;
  readonly userId: string | null;
  readonly scopes: readonly string[];
  readonly origin: string;
  readonly grantId?: string | null;
  readonly parentId?: string | null;
  readonly createdAt: number;
  readonly expiresAt: number | null;
}

/** A token row as the grants and revocation need it (not a validity decision: that is the token check's). */
export interface TokenRecord {
  readonly id: string;
  readonly kind: TokenKind;
  readonly clientId: string;
  readonly userId: string | null;
  readonly scopes: string[];
  readonly origin: string;
  readonly grantId: string | null;
  readonly parentId: string | null;
  readonly createdAt: number;
  readonly expiresAt: number | null;
  readonly revokedAt: number | null;
  readonly rotatedAt: number | null;
}

export function toRow(token: NewToken): TokensTable {
  return {
    id: token.id ?? newTokenId(token.createdAt),
    token_hash: token.tokenHash,
    kind: token.kind,
    prefix: token.prefix,
    name: token.name ?? null,
    client_id: token.clientId,
    user_id: token.userId,
    scopes: token.scopes.join(' '),
    origin: token.origin,
    grant_id: token.grantId ?? null,
    parent_id: token.parentId ?? null,
    created_at: token.createdAt,
    expires_at: token.expiresAt,
    revoked_at: null,
    rotated_at: null,
    last_used_at: null,
  };
}

/**
 * Inserts token rows in one statement, inside the caller's transaction (e.g. code redemption).
 * Throws TokenOwnerGoneError when the client or user was deleted meanwhile.
 */
export async function insertTokenRows(trx: Kysely<Database>, tokens: readonly NewToken[]): Promise<void> {
  if (tokens.length === 0) return;
  await ownerGoneOnForeignKey(trx.insertInto('tokens').values(tokens.map(toRow)).execute());
}

/** Maps a foreign-key refusal of new token rows to TokenOwnerGoneError. */
async function ownerGoneOnForeignKey<T>(write: Promise<T>): Promise<T> {
  try {
    return await write;
  } catch (err) {
    if (isForeignKeyViolation(err)) throw new TokenOwnerGoneError('the client or user of this token no longer exists', { cause: err });
    throw err;
  }
}

/** The client or user a new token belongs to was deleted meanwhile (a foreign key refused the row). */
export class TokenOwnerGoneError extends Error {
  override readonly name = 'TokenOwnerGoneError';
}

function isForeignKeyViolation(err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code;
  return code === '23503' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}

/** Expired tokens are refused on every cache hit; this margin covers nodes whose clocks run behind. */
const CLOCK_SKEW_MS = 60_000;
/** The invalidation for these digests (the fan-out splits long lists to fit each notification). */
function tokenEvents(hashes: readonly string[]): InvalidationEvents {
  return hashes.length === 0 ? null : { kind: 'tokens', hashes };
}

export type TokenStore = ReturnType<typeof createTokenStore>;

export function createTokenStore(store: Store, invalidation: Invalidation) {
  const { db } = store;
  // SQLite: synchronous group commit on the raw handle; PostgreSQL: multi-row INSERTs through the
  // pool and rotations in one statement.
  const writer: TokenWriter = store.sqlite ? createSqliteTokenWriter(db, store.sqlite) : createPgTokenWriter(db);

  // The digest parameter, written so SQLite does not re-prepare per digest (see stableParam).
  const digest = stableParam(store.dialect);

  // The token check's one query: token, client and user with the user's permissions folded in
  // (each dialect's string aggregate), compiled once and run with the digest as its only parameter.
  const aggregate = store.dialect === 'postgres' ? sql.raw("string_agg(up.permission, ' ')") : sql.raw("group_concat(up.permission, ' ')");
  const checkSql = db
    .selectFrom('tokens as t')
    .innerJoin('clients as c', 'c.id', 't.client_id')
    .leftJoin('users as u', 'u.id', 't.user_id')
    .select([
      't.id', 't.kind', 't.client_id', 't.user_id', 't.scopes', 't.origin', 't.created_at', 't.expires_at',
      't.revoked_at', 't.rotated_at', 't.last_used_at', 'c.types as client_types',
      'c.permissions as client_permissions', 'u.username', 'u.administrator',
      sql<string | null>`(select ${aggregate} from user_permissions up where up.user_id = t.user_id)`.as('user_permissions'),
    ])
    .where('t.token_hash', '=', digest)
    .compile().sql;
  type CheckRow = Pick<TokensTable, 'id' | 'kind' | 'client_id' | 'user_id' | 'scopes' | 'origin' | 'created_at' | 'expires_at' | 'revoked_at' | 'rotated_at' | 'last_used_at'> & {
    client_types: string;
    client_permissions: string;
    username: string | null;
    administrator: number | null;
    user_permissions: string | null;
  };

  // The refresh grant's read, compiled once as well (building it cost ~10 µs per refresh).
  const byHashSql = db.selectFrom('tokens').selectAll().where('token_hash', '=', digest).compile().sql;

  const self = {
    /** The token with its client and user, or null. Validity is decided by the token check. */
    async findForCheck(hash: string): Promise<TokenCheckRecord | null> {
      const { rows } = await db.executeQuery<CheckRow>(CompiledQuery.raw(checkSql, [hash]));
      const row = rows[0];
      if (!row) return null;
      return {
        id: row.id,
        kind: row.kind as TokenKind,
        clientId: row.client_id,
        clientTypes: parseJsonArray(row.client_types),
        clientPermissions: parseJsonArray(row.client_permissions),
        userId: row.user_id,
        username: row.username ?? null,
        administrator: fromFlag(row.administrator),
        userPermissions: row.user_permissions ? splitScopes(row.user_permissions) : [],
        scopes: splitScopes(row.scopes),
        origin: row.origin,
        createdAt: Number(row.created_at),
        expiresAt: row.expires_at === null ? null : Number(row.expires_at),
        revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
        rotatedAt: row.rotated_at === null ? null : Number(row.rotated_at),
        lastUsedAt: row.last_used_at === null ? null : Number(row.last_used_at),
      };
    },

    /** Inserts a token row (inside the caller's transaction when given); returns its id. */
    async insertToken(token: NewToken, trx: Kysely<Database> = db): Promise<string> {
      const row = toRow(token);
      await trx.insertInto('tokens').values(row).execute();
      return row.id;
    },

    /**
     * Inserts the rows of one token response (an access token and maybe its refresh token).
     * Requests arriving together share one multi-row INSERT — one commit instead of one per
     * request (group commit) — and each resolves only once its rows are stored.
     */
    insertTokens(tokens: readonly NewToken[]): Promise<void> {
      return ownerGoneOnForeignKey(writer.insert(tokens.map(toRow)));
    },

    /** The token row with this digest, or null. */
    async findByHash(hash: string): Promise<TokenRecord | null> {
      const { rows } = await db.executeQuery<TokensTable>(CompiledQuery.raw(byHashSql, [hash]));
      const row = rows[0];
      if (!row) return null;
      return {
        id: row.id,
        kind: row.kind as TokenKind,
        clientId: row.client_id,
        userId: row.user_id,
        scopes: splitScopes(row.scopes),
        origin: row.origin,
        grantId: row.grant_id,
        parentId: row.parent_id,
        createdAt: Number(row.created_at),
        expiresAt: row.expires_at === null ? null : Number(row.expires_at),
        revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
        rotatedAt: row.rotated_at === null ? null : Number(row.rotated_at),
      };
    },

    /**
     * Refresh-token rotation (RFC 9700 §4.14.2): retires the old refresh token with one conditional
     * UPDATE and inserts its successors, atomically (SQLite: in a group commit; PostgreSQL: in one
     * statement). A token already retired gets one more branch of successors when `grace` covers
     * it and it has fewer than `grace.maxSuccessors`; see RotationOutcome for the answers.
     */
    async rotateRefreshToken(oldId: string, nowMs: number, successors: readonly NewToken[], grace: RotationGrace | null = null): Promise<RotationOutcome> {
      return ownerGoneOnForeignKey(writer.rotate(oldId, nowMs, successors.map(toRow), grace));
    },

    /**
     * Revokes the tokens matching `where` (and, with `withChildren`, the tokens issued from them),
     * then invalidates every cache before returning. Returns how many tokens were revoked.
     */
    async revokeWhere(
      select: (trx: Kysely<Database>) => Promise<Array<{ id: string; token_hash: string }>>,
      nowMs: number,
      options: { withChildren?: boolean } = {},
    ): Promise<number> {
      return invalidation.revoke(async (trx) => {
        const revoked = await revokeRows(trx, await select(trx), nowMs, options);
        return { result: revoked.count, event: tokenEvents(revoked.hashes) };
      });
    },

    /** Revokes one token (with `withChildren`, the tokens issued from it as well). */
    async revokeById(id: string, nowMs: number, options: { withChildren?: boolean } = {}): Promise<number> {
      return self.revokeWhere((trx) => trx.selectFrom('tokens').select(['id', 'token_hash']).where('id', '=', id).execute(), nowMs, options);
    },

    /**
     * Revokes every token of a grant (token family, every branch): refresh reuse, code replay,
     * revocation of a refresh token. Returns the digests of the tokens it revoked. Caches forget
     * only those tokens (anyone may trigger this at will with a password-grant client, so it must
     * not flush what other users' requests rely on): the digests a token check may hold — not
     * refresh tokens, never cached (src/oauth/token-check.ts), nor tokens long expired.
     */
    async revokeGrant(grantId: string, nowMs: number): Promise<string[]> {
      return invalidation.revoke(async (trx) => {
        const rows = await trx
          .updateTable('tokens')
          .set({ revoked_at: nowMs })
          .where('grant_id', '=', grantId)
          .where('revoked_at', 'is', null)
          .returning(['token_hash', 'kind', 'expires_at'])
          .execute();
        const cacheable = rows.filter((r) => r.kind !== 'refresh_token' && (r.expires_at === null || Number(r.expires_at) > nowMs - CLOCK_SKEW_MS));
        return { result: rows.map((r) => r.token_hash), event: tokenEvents(cacheable.map((r) => r.token_hash)) };
      });
    },

    /** Writes batched last-use times (see src/store/last-used.ts). */
    async recordLastUsed(entries: ReadonlyArray<readonly [id: string, atMs: number]>): Promise<void> {
      if (entries.length > 0) await writer.markUsed(entries);
    },
  };
  return self;
}
