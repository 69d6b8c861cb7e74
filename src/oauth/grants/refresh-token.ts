/**
 * RFC 6749 §6 refreshing an access token, with rotation (RFC 9700 §4.14.2): every refresh retires
 * the presented refresh token and issues a new one. A retired token presented again means it
 * leaked (or a response was lost): the whole family is revoked, unless the configured grace
 * window (KEYGATE_REFRESH_GRACE, default 0) covers a retry.
 */
import { clientAllowsOrigin } from '../../domain/client.js';
import { isScopeSubset } from '../../domain/scope.js';
import { hashSecret, isWellFormedSecret } from '../../domain/secret.js';
import type { TokenRecord } from '../../store/token-store.js';
import { InvalidGrantError, InvalidScopeError } from '../errors.js';
import { requireParam, requireScopes, type GrantDeps, type GrantHandler } from '../grant-handler.js';
import { issueTokens } from '../issue-tokens.js';

const INVALID = 'The refresh token is invalid, expired or revoked.';

/** RFC 6749 §6: "the refresh token is bound to the client to which it was issued." */
function checkRefreshClient(token: TokenRecord, clientId: string): void {
  if (token.clientId !== clientId) throw new InvalidGrantError(INVALID);
}

/** RFC 6749 §6: "The requested scope MUST NOT include any scope not originally granted". */
function narrowScopes(params: ReadonlyMap<string, string>, granted: readonly string[]): readonly string[] {
  if (!params.has('scope')) return granted;
  const requested = requireScopes(params);
  if (!isScopeSubset(requested, granted)) throw new InvalidScopeError('The requested scope exceeds the scope originally granted.');
  return requested;
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
    const inGrace = (rotatedAt: number) => graceMs > 0 && nowMs - rotatedAt <= graceMs;
    if (token.rotatedAt !== null && !inGrace(token.rotatedAt)) return revokeFamily(token, deps, nowMs);

    const scopes = narrowScopes(req.params, token.scopes);
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
    if (token.rotatedAt !== null) {
      // Grace: the previous response was lost; replace what it carried.
      if (!(await deps.tokens.reissueInGrace(token.id, nowMs, issued.rows))) throw new InvalidGrantError(INVALID);
      return issued.response;
    }
    if (await deps.tokens.rotateRefreshToken(token.id, nowMs, issued.rows)) return issued.response;
    // A parallel request retired it first: with a grace window that is a retry, otherwise reuse.
    if (graceMs > 0 && (await deps.tokens.reissueInGrace(token.id, nowMs, issued.rows))) return issued.response;
    return revokeFamily(token, deps, nowMs);
  },
} satisfies GrantHandler;
