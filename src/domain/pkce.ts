/**
 * PKCE (RFC 7636), S256 only. `plain` is refused everywhere (RFC 9700 §2.1.1: "SHOULD use S256").
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export const PKCE_METHODS = ['S256'] as const;
export type PkceMethod = (typeof PKCE_METHODS)[number];

/**
 * RFC 7636 §4.1: code-verifier = 43*128unreserved, unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~".
 * §4.2: for S256 the challenge is BASE64URL(SHA256(verifier)), 43 characters without padding.
 */
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;
const S256_CHALLENGE = /^[A-Za-z0-9\-_]{43}$/;

export function isCodeVerifier(value: string): boolean {
  return VERIFIER.test(value);
}

export function isS256Challenge(value: string): boolean {
  return S256_CHALLENGE.test(value);
}

/** BASE64URL-ENCODE(SHA256(ASCII(code_verifier))) — RFC 7636 §4.2. */
export function s256Challenge(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

/** RFC 7636 §4.6: recompute the challenge from the verifier and compare, in constant time. */
export function pkceMatches(verifier: string, challenge: string): boolean {
  if (!isCodeVerifier(verifier)) return false;
  const a = Buffer.from(s256Challenge(verifier));
  const b = Buffer.from(challenge);
  return a.length === b.length && timingSafeEqual(a, b);
}
