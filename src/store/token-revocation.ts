/**
 * Revoking tokens inside the caller's transaction (a service's unit of work): the rows are marked
 * revoked and their digests returned, so the caller records exactly what to flush from the
 * token-check caches once the transaction commits.
 */
import type { Kysely } from 'kysely';
import type { TokenKind } from '../domain/token.js';
import type { Database } from './schema.js';

export interface RevokedTokens {
  readonly count: number;
  /** Digests of every row revoked (the matches and, with `withChildren`, their children). */
  readonly hashes: readonly string[];
}

/** Which still-working tokens to revoke; every given criterion must hold. */
export interface TokenSelection {
  readonly ids?: readonly string[];
  readonly clientId?: string;
  readonly userId?: string;
  readonly kinds?: readonly TokenKind[];
  /** Token origins (src/domain/client.ts TOKEN_ORIGINS). */
  readonly origins?: readonly string[];
}

const CHUNK = 500;

/** Marks the given rows revoked (and, with `withChildren`, the tokens issued from them). */
export async function revokeRows(
  trx: Kysely<Database>,
  targets: ReadonlyArray<{ readonly id: string; readonly token_hash: string }>,
  nowMs: number,
  options: { readonly withChildren?: boolean } = {},
): Promise<RevokedTokens> {
  const hashes = targets.map((t) => t.token_hash);
  let count = 0;
  for (let i = 0; i < targets.length; i += CHUNK) {
    const chunk = targets.slice(i, i + CHUNK).map((t) => t.id);
    const res = await trx.updateTable('tokens').set({ revoked_at: nowMs }).where('id', 'in', chunk).where('revoked_at', 'is', null).executeTakeFirst();
    count += Number(res.numUpdatedRows);
    if (options.withChildren) {
      const children = await trx
        .updateTable('tokens')
        .set({ revoked_at: nowMs })
        .where('parent_id', 'in', chunk)
        .where('revoked_at', 'is', null)
        .returning(['token_hash'])
        .execute();
      hashes.push(...children.map((c) => c.token_hash));
    }
  }
  return { count, hashes };
}

/**
 * Revokes every token matching the selection that is not revoked or expired at `nowMs`: rotated
 * refresh tokens too, since a grace window (KEYGATE_REFRESH_GRACE) may still redeem them.
 */
export async function revokeSelected(
  trx: Kysely<Database>,
  selection: TokenSelection,
  nowMs: number,
  options: { readonly withChildren?: boolean; readonly includeExpired?: boolean } = {},
): Promise<RevokedTokens> {
  if ((selection.ids && selection.ids.length === 0) || (selection.kinds && selection.kinds.length === 0) || (selection.origins && selection.origins.length === 0)) {
    return { count: 0, hashes: [] };
  }
  let q = trx.selectFrom('tokens').select(['id', 'token_hash']).where('revoked_at', 'is', null);
  if (!options.includeExpired) q = q.where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', nowMs)]));
  if (selection.ids) q = q.where('id', 'in', [...selection.ids]);
  if (selection.clientId !== undefined) q = q.where('client_id', '=', selection.clientId);
  if (selection.userId !== undefined) q = q.where('user_id', '=', selection.userId);
  if (selection.kinds) q = q.where('kind', 'in', [...selection.kinds]);
  if (selection.origins) q = q.where('origin', 'in', [...selection.origins]);
  return revokeRows(trx, await q.execute(), nowMs, options);
}
