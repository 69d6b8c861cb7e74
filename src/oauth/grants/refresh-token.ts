/**
 * RFC 6749 §6 refreshing an access token, with rotation (RFC 9700 §4.14.2): every refresh retires
 * the presented refresh token and issues a new one. A retired token presented again means it
 * leaked (or a response was lost): the whole family — every branch — is revoked.
 *
 * The grace window (KEYGATE_REFRESH_GRACE, default 0, at most 10 s) is for clients that refresh
 * from several threads at once, or retry: a token retired less than that long ago may be
 * redeemed again, and each such request gets its own new pair (a branch of the family) while the
 * earlier answers stay valid. At most MAX_SUCCESSORS pairs per retired token; one more inside the
 * window is refused without revoking anything. After the window, reuse revokes every branch.
 */
import { clientAllowsOrigin } from '../../domain/client.js';
import { hashSecret, isWellFormedSecret } from '../../domain/secret.js';
import type { TokenRecord } from '../../store/token-store.js';
import { InvalidGrantError } from '../errors.js';
import { requireParam, type GrantDeps, type GrantHandler } from '../grant-handler.js';
import { issueTokens } from '../issue-tokens.js';
import { checkScopeNarrowing } from '../scope-resolution.js';

const INVALID = 'The refresh token is invalid, expired or revoked.';

/** Most successors one retired refresh token may have inside the grace window (the first rotation's included). */
export const MAX_SUCCESSORS = 16;

/** RFC 6749 §6: "the refresh token is bound to the client to which it was issued." */
function checkRefreshClient(token: TokenRecord, clientId: string): void {
  if (token.clientId !== clientId) throw new InvalidGrantError(INVALID);
}

async function revokeFamily(token: TokenRecord, deps: GrantDeps, nowMs: number): Promise<never> {
  if (token.grantId !== null) await deps.tokens.revokeGrant(token.grantId, nowMs);
  throw new InvalidGrantError('The refresh token was already used; every token of this authorization has been revoked.');
}

export const refreshTokenGrant = {
  grantType: 'refresh_token',
  parameters: new Set(['refresh_token', 'scope']),
  origin: null,
  async handle(req, { client }, deps) {
    const presented = requireParam(req.params, 'refresh_token');
    if (!isWellFormedSecret(presented, 'refreshToken')) throw new InvalidGrantError(INVALID);
    const token = await deps.tokens.findByHash(hashSecret(presented));
    if (!token || token.kind !== 'refresh_token') throw new InvalidGrantError(INVALID);
    checkRefreshClient(token, client.id);
    const nowMs = deps.now();
    if (token.revokedAt !== null) throw new InvalidGrantError(INVALID);
    if (token.expiresAt !== null && nowMs >= token.expiresAt) throw new InvalidGrantError(INVALID);
    // The client must still hold the grant type the family came from (same rule as the token check).
    if (!clientAllowsOrigin(client.types, token.origin)) throw new InvalidGrantError(INVALID);
    const graceMs = deps.config.refreshGraceSeconds * 1000;
    const inGrace = graceMs > 0 && token.rotatedAt !== null && nowMs - token.rotatedAt <= graceMs;
    if (token.rotatedAt !== null && !inGrace) return revokeFamily(token, deps, nowMs);

    const scopes = checkScopeNarrowing(req.params.get('scope'), token.scopes);
    const issued = issueTokens(
      {
        clientId: client.id,
        userId: token.userId,
        scopes,
        refreshScopes: token.scopes,
        origin: token.origin,
        grantId: token.grantId,
        parentId: token.id,
        withRefreshToken: true,
      },
      deps.config,
      nowMs,
    );
    // The store decides atomically: a parallel request may have retired the token since we read it.
    const grace = graceMs > 0 ? { retiredSinceMs: nowMs - graceMs, maxSuccessors: MAX_SUCCESSORS } : null;
    switch (await deps.tokens.rotateRefreshToken(token.id, nowMs, issued.rows, grace)) {
      case 'rotated':
      case 'branched':
        return issued.response;
      case 'exhausted':
        // Inside the window this is not proof of a leak, so nothing is revoked.
        throw new InvalidGrantError('This refresh token was already redeemed as many times as its grace window allows.');
      case 'refused':
        // Retired with no window to cover it (grace 0: a parallel request won), or revoked: reuse.
        return revokeFamily(token, deps, nowMs);
    }
  },
} satisfies GrantHandler;
