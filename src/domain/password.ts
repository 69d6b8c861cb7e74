/**
 * User passwords: argon2id with the OWASP Password Storage Cheat Sheet parameters
 * (m = 19 MiB, t = 2, p = 1). Verification of an unknown user runs against a dummy hash so that
 * unknown users and wrong passwords take the same time.
 */
import { availableParallelism } from 'node:os';
import { hash, verify } from '@node-rs/argon2';

export const ARGON2_OPTIONS = { algorithm: 2 /* Argon2id */, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

/**
 * At most one argon2 computation per core at a time; the rest wait their turn. More would only
 * share the cores (libuv's pool has 4 threads) and evict each other's 19 MiB from the caches, and
 * it bounds argon2's memory to 19 MiB per core under a burst of logins.
 */
export const ARGON2_CONCURRENCY = Math.max(1, availableParallelism());
let running = 0;
const queued: Array<() => void> = [];

async function oneAtATimePerCore<T>(work: () => Promise<T>): Promise<T> {
  if (running < ARGON2_CONCURRENCY) running++;
  else await new Promise<void>((resolve) => queued.push(resolve));
  try {
    return await work();
  } finally {
    // Hand the slot straight to the next in line, or give it back.
    const next = queued.shift();
    if (next) next();
    else running--;
  }
}

/** argon2 computations running now (at most ARGON2_CONCURRENCY). */
export function argon2Running(): number {
  return running;
}

export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 1024;

export function hashPassword(password: string): Promise<string> {
  return oneAtATimePerCore(() => hash(password, ARGON2_OPTIONS));
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
    const ok = await oneAtATimePerCore(() => verify(target, password.slice(0, MAX_PASSWORD_LENGTH)));
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
