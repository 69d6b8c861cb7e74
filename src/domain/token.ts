import { randomUUID } from 'node:crypto';

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

/**
 * A token row id: a UUID version 7 (RFC 9562 §5.7), the time in milliseconds then 74 random bits.
 * New ids sort after older ones, so inserting a token (and a child pointing at its parent)
 * touches the last pages of those indexes instead of a random page each: fewer pages per commit.
 */
export function newTokenId(nowMs: number = Date.now()): string {
  const random = randomUUID(); // xxxxxxxx-xxxx-4xxx-Nxxx-xxxxxxxxxxxx, variant bits already set
  const time = nowMs.toString(16).padStart(12, '0');
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${random.slice(15)}`;
}

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

/** True when a filter names at least one of client, user, name, before (what bulk revocation requires). */
export function hasRevokeCriterion(f: TokenFilterInput): boolean {
  return [f.client, f.user, f.name, f.before].some((v) => v !== undefined && v.trim() !== '');
}
