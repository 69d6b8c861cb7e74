/** Token kinds as stored and as named on the wire (introspection `kind`, the Tokens page). */
export const TOKEN_KINDS = ['access_token', 'refresh_token', 'personal_access_token'] as const;
export type TokenKind = (typeof TOKEN_KINDS)[number];

export function isTokenKind(value: unknown): value is TokenKind {
  return typeof value === 'string' && (TOKEN_KINDS as readonly string[]).includes(value);
}

/**
 * Who a valid token acts for, as decided by the one token check (src/oauth/token-check.ts).
 * `userId` is null for a client-credentials token: it acts as the client itself.
 */
export interface TokenPrincipal {
  readonly tokenId: string;
  readonly kind: TokenKind;
  readonly clientId: string;
  readonly userId: string | null;
  readonly username: string | null;
  readonly administrator: boolean;
  /** The principal's permissions (user's, or the client's for client credentials). */
  readonly permissions: readonly string[];
  readonly scopes: readonly string[];
  readonly issuedAt: Date;
  readonly expiresAt: Date | null;
}

export const MS_PER_SECOND = 1000;

/** Expiry for a lifetime in seconds; 0 means never (INTERFACE.md). */
export function expiryFrom(nowMs: number, ttlSeconds: number): number | null {
  return ttlSeconds > 0 ? nowMs + ttlSeconds * MS_PER_SECOND : null;
}
