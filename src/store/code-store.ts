/**
 * Authorization codes (RFC 6749 §4.1.2). Only the SHA-256 digest of a code is stored. Redemption
 * is one conditional `UPDATE … WHERE consumed_at IS NULL RETURNING` in the same transaction that
 * inserts the tokens, so of any number of parallel redemptions exactly one wins, and a code that
 * fails a check (PKCE, redirect_uri, client) is burnt by the same update.
 */
import { randomUUID } from 'node:crypto';
import type { Store } from './db.js';
import { splitScopes } from './db.js';
import type { AuthorizationCodesTable } from './schema.js';
import { insertTokenRows, type NewToken } from './token-store.js';

export interface AuthorizationCode {
  readonly id: string;
  readonly clientId: string;
  readonly userId: string;
  /** The redirect_uri sent in the authorization request, or null when it was left out. */
  readonly redirectUri: string | null;
  readonly scopes: string[];
  readonly codeChallenge: string | null;
  readonly codeChallengeMethod: string | null;
  readonly grantId: string;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly consumedAt: number | null;
}

export interface NewAuthorizationCode {
  readonly codeHash: string;
  readonly clientId: string;
  readonly userId: string;
  readonly redirectUri: string | null;
  readonly scopes: readonly string[];
  readonly codeChallenge: string | null;
  readonly codeChallengeMethod: string | null;
  readonly createdAt: number;
  readonly expiresAt: number;
}

/** What a redemption came to. `prepare` ran only for `issued` and `rejected`. */
export type Redemption<T> =
  | { readonly status: 'unknown' }
  | { readonly status: 'replayed'; readonly grantId: string }
  | { readonly status: 'rejected'; readonly error: unknown }
  | { readonly status: 'issued'; readonly result: T };

function rowToCode(row: AuthorizationCodesTable): AuthorizationCode {
  return {
    id: row.id,
    clientId: row.client_id,
    userId: row.user_id,
    // Stored as '' when the authorization request left redirect_uri out (one registered URI).
    redirectUri: row.redirect_uri === '' ? null : row.redirect_uri,
    scopes: splitScopes(row.scopes),
    codeChallenge: row.code_challenge,
    codeChallengeMethod: row.code_challenge_method,
    grantId: row.grant_id,
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
    consumedAt: row.consumed_at === null ? null : Number(row.consumed_at),
  };
}

export type CodeStore = ReturnType<typeof createCodeStore>;

export function createCodeStore(store: Store) {
  const { db } = store;
  return {
    /** Stores a new code; returns its grant id (the token family the code starts). */
    async insert(code: NewAuthorizationCode): Promise<string> {
      const grantId = randomUUID();
      await db
        .insertInto('authorization_codes')
        .values({
          id: randomUUID(),
          code_hash: code.codeHash,
          client_id: code.clientId,
          user_id: code.userId,
          redirect_uri: code.redirectUri ?? '',
          scopes: code.scopes.join(' '),
          code_challenge: code.codeChallenge,
          code_challenge_method: code.codeChallengeMethod,
          grant_id: grantId,
          created_at: code.createdAt,
          expires_at: code.expiresAt,
          consumed_at: null,
        })
        .execute();
      return grantId;
    },

    async findByHash(codeHash: string): Promise<AuthorizationCode | null> {
      const row = await db.selectFrom('authorization_codes').selectAll().where('code_hash', '=', codeHash).executeTakeFirst();
      return row ? rowToCode(row) : null;
    },

    /**
     * Consumes the code and, if `prepare` accepts it, inserts the tokens it returns — all in one
     * transaction. If `prepare` throws, the code stays consumed (burnt) and the error is returned.
     * A code that was already consumed comes back as `replayed` with its grant id.
     */
    async redeem<T>(codeHash: string, nowMs: number, prepare: (code: AuthorizationCode) => { tokens: NewToken[]; result: T }): Promise<Redemption<T>> {
      const outcome = await db.transaction().execute(async (trx): Promise<Redemption<T> | null> => {
        const row = await trx
          .updateTable('authorization_codes')
          .set({ consumed_at: nowMs })
          .where('code_hash', '=', codeHash)
          .where('consumed_at', 'is', null)
          .returningAll()
          .executeTakeFirst();
        if (!row) return null;
        let prepared: { tokens: NewToken[]; result: T };
        try {
          prepared = prepare(rowToCode(row));
        } catch (error) {
          return { status: 'rejected', error };
        }
        await insertTokenRows(trx, prepared.tokens);
        return { status: 'issued', result: prepared.result };
      });
      if (outcome) return outcome;
      const existing = await this.findByHash(codeHash);
      return existing?.consumedAt != null ? { status: 'replayed', grantId: existing.grantId } : { status: 'unknown' };
    },

    /** Deletes codes that expired before `beforeMs`; returns how many. */
    async purgeExpired(beforeMs: number): Promise<number> {
      const res = await db.deleteFrom('authorization_codes').where('expires_at', '<', beforeMs).executeTakeFirst();
      return Number(res.numDeletedRows);
    },
  };
}
