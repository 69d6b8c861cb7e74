/**
 * User passwords: argon2id with the OWASP Password Storage Cheat Sheet parameters
 * (m = 19 MiB, t = 2, p = 1). Verification of an unknown user runs against a dummy hash so that
 * unknown users and wrong passwords take the same time.
 *
 * Every computation goes through one bounded queue, fair per address (src/domain/hash-queue.ts):
 * logins and password grants by the caller's address, user administration (a new password) under
 * an address of its own. A full queue rejects with HashQueueFullError (the surfaces answer 503).
 */
import { availableParallelism } from 'node:os';
import { hash, verify } from '@node-rs/argon2';
import { createHashQueue } from './hash-queue.js';

export { HashQueueFullError } from './hash-queue.js';

export const ARGON2_OPTIONS = { algorithm: 2 /* Argon2id */, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

/**
 * At most one argon2 computation per core at a time; the rest wait their turn. More would only
 * share the cores (libuv's pool has 4 threads) and evict each other's 19 MiB from the caches, and
 * it bounds argon2's memory to 19 MiB per core under a burst of logins.
 */
export const ARGON2_CONCURRENCY = Math.max(1, availableParallelism());

/**
 * One address may hold 32 computations (running and waiting): the 30 attempts in flight the
 * throttle lets one address have (src/domain/throttle.ts), so what it admits is never refused here
 * unless the address also floods the other surface, and a quarter of the queue at most. At most 64
 * per core wait in all: about 1 s of work per core at ~30 ms a hash.
 */
export const HASH_QUEUE_PER_ADDRESS = 32;
export const HASH_QUEUE_WAITING = 64 * ARGON2_CONCURRENCY;

/** The address user administration (hashing a new password: API, console, CLI) queues under. */
export const ADMINISTRATION_ADDRESS = 'keygate:user-administration';

const queue = createHashQueue({ concurrency: ARGON2_CONCURRENCY, perAddressCap: HASH_QUEUE_PER_ADDRESS, waitingCap: HASH_QUEUE_WAITING, initialJobMs: 30 });

let verifications = 0;

/** argon2 computations running now (at most ARGON2_CONCURRENCY). */
export function argon2Running(): number {
  return queue.stats().running;
}

/** The hash queue's state now (running, waiting, addresses with work). */
export function hashQueueStats() {
  return queue.stats();
}

/**
 * Runs `work` in the argon2 queue's turn for `address`, holding one of that address's slots until
 * it settles (tests hold slots with it to fill the queue deterministically).
 */
export function runInHashQueue<T>(address: string, work: () => Promise<T>): Promise<T> {
  return queue.run(address, work);
}

/** How many password verifications this process has computed (tests count them under attack). */
export function argon2Verifications(): number {
  return verifications;
}

export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 1024;

/** Hashes a new password; may reject with HashQueueFullError. */
export function hashPassword(password: string, address: string = ADMINISTRATION_ADDRESS): Promise<string> {
  return queue.run(address, () => hash(password, ARGON2_OPTIONS));
}

let dummyHash: Promise<string> | undefined;

/**
 * Checks a password against a stored hash, or against a dummy hash when there is none, so the
 * caller spends the same time either way. Never throws for a malformed hash; rejects with
 * HashQueueFullError when the queue cannot take it (nothing was computed then).
 */
export async function verifyPassword(storedHash: string | null | undefined, password: string, address = 'local'): Promise<boolean> {
  // Computed once, outside the queue: a full queue must not leave a rejected promise cached.
  dummyHash ??= hash('keygate-dummy-password-for-constant-time', ARGON2_OPTIONS);
  const target = storedHash ?? (await dummyHash);
  const ok = await queue.run(address, async () => {
    verifications++;
    try {
      return await verify(target, password.slice(0, MAX_PASSWORD_LENGTH));
    } catch {
      return false;
    }
  });
  return ok && storedHash != null;
}

export function passwordProblem(password: string): string | null {
  if (password.length < MIN_PASSWORD_LENGTH) return `The Password must be at least ${MIN_PASSWORD_LENGTH} characters.`;
  if (password.length > MAX_PASSWORD_LENGTH) return `The Password must not be greater than ${MAX_PASSWORD_LENGTH} characters.`;
  return null;
}
