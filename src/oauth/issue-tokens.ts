/**
 * Mints the tokens of one token response: an access token and, for grants that have one, a
 * refresh token. Returns the rows to store (digests only) and the response holding the raw values,
 * which exist nowhere else.
 */
import { randomUUID } from 'node:crypto';
import { formatScopes } from '../domain/scope.js';
import { displayPrefix, hashSecret, issueSecret } from '../domain/secret.js';
import { expiryFrom, newTokenId } from '../domain/token.js';
import type { NewToken } from '../store/token-store.js';
import type { GrantDeps, TokenResponse } from './grant-handler.js';

export interface TokenGrant {
  readonly clientId: string;
  readonly userId: string | null;
  /** Scopes of the access token. */
  readonly scopes: readonly string[];
  /** Scopes of the refresh token, when they differ (RFC 6749 §6: the refresh token keeps its scope). */
  readonly refreshScopes?: readonly string[];
  readonly origin: string;
  readonly grantId: string | null;
  /** The refresh token this response replaces, if any. */
  readonly parentId?: string | null;
  readonly withRefreshToken: boolean;
}

export interface IssuedTokens {
  readonly rows: NewToken[];
  readonly response: TokenResponse;
}

export function issueTokens(grant: TokenGrant, config: GrantDeps['config'], nowMs: number): IssuedTokens {
  const accessToken = issueSecret('accessToken');
  const rows: NewToken[] = [];
  let refreshToken: string | undefined;
  let refreshId: string | null = null;
  if (grant.withRefreshToken) {
    refreshToken = issueSecret('refreshToken');
    refreshId = newTokenId(nowMs);
    rows.push({
      id: refreshId,
      tokenHash: hashSecret(refreshToken),
      kind: 'refresh_token',
      prefix: displayPrefix(refreshToken),
      clientId: grant.clientId,
      userId: grant.userId,
      scopes: grant.refreshScopes ?? grant.scopes,
      origin: grant.origin,
      grantId: grant.grantId,
      parentId: grant.parentId ?? null,
      createdAt: nowMs,
      expiresAt: expiryFrom(nowMs, config.refreshTokenTtlSeconds),
    });
  }
  // The access token hangs off its refresh token, so revoking that one ends this one too.
  rows.push({
    tokenHash: hashSecret(accessToken),
    kind: 'access_token',
    prefix: displayPrefix(accessToken),
    clientId: grant.clientId,
    userId: grant.userId,
    scopes: grant.scopes,
    origin: grant.origin,
    grantId: grant.grantId,
    parentId: refreshId ?? grant.parentId ?? null,
    createdAt: nowMs,
    expiresAt: expiryFrom(nowMs, config.accessTokenTtlSeconds),
  });
  const response: TokenResponse = {
    access_token: accessToken,
    token_type: 'Bearer',
    ...(config.accessTokenTtlSeconds > 0 ? { expires_in: config.accessTokenTtlSeconds } : {}),
    scope: formatScopes(grant.scopes),
    ...(refreshToken !== undefined ? { refresh_token: refreshToken } : {}),
  };
  return { rows, response };
}

/** A new token family id (code redemption makes its own in the code store). */
export function newGrantId(): string {
  return randomUUID();
}
