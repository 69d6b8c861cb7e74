/**
 * User passwords: argon2id with the OWASP Password Storage Cheat Sheet parameters
 * (m = 19 MiB, t = 2, p = 1). Verification of an unknown user runs against a dummy hash so that
 * unknown users and wrong passwords take the same time.
 */
import { hash, verify } from '@node-rs/argon2';

export const ARGON2_OPTIONS = { algorithm: 2 /* Argon2id */, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 1024;

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_OPTIONS);
}

let dummyHash: Promise<string> | undefined;

/**
 * Checks a password against a stored hash, or against a dummy hash when there is none, so the
 * caller spends the same time either way. Never throws for a malformed hash.
 */
export async function verifyPassword(storedHash: string | null | undefined, password: string): Promise<boolean> {
  dummyHash ??= hashPassword('keygate-dummy-password-for-constant-time');
  const target = storedHash ?? (await dummyHash);
  try {
    const ok = await verify(target, password.slice(0, MAX_PASSWORD_LENGTH));
    return ok && storedHash != null;
  } catch {
    return false;
  }
}

export function passwordProblem(password: string): string | null {
  if (password.length < MIN_PASSWORD_LENGTH) return `The Password must be at least ${MIN_PASSWORD_LENGTH} characters.`;
  if (password.length > MAX_PASSWORD_LENGTH) return `The Password must not be greater than ${MAX_PASSWORD_LENGTH} characters.`;
  return null;
}
