/**
 * Authenticated encryption of a small value kept for a short while (a secret shown once after a
 * redirect): AES-256-GCM with a random 96-bit nonce (NIST SP 800-38D §8.2.2), and associated data
 * that binds the ciphertext to where it may be opened (its row id and the session's digest), so a
 * sealed value copied to another row or session does not open. Format: base64url of
 * nonce (12 bytes) ‖ tag (16 bytes) ‖ ciphertext.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const NONCE_BYTES = 12;
const TAG_BYTES = 16;
export const SEAL_KEY_BYTES = 32;

function checkKey(key: Buffer): void {
  if (key.length !== SEAL_KEY_BYTES) throw new Error(`the sealing key must be ${SEAL_KEY_BYTES} bytes`);
}

/** Encrypts `plaintext`; `associated` must be given again, unchanged, to open it. */
export function seal(key: Buffer, plaintext: string, associated: string): string {
  checkKey(key);
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(associated, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([nonce, cipher.getAuthTag(), body]).toString('base64url');
}

/** The plaintext, or null when the value was altered, sealed with another key or other associated data. */
export function open(key: Buffer, sealed: string, associated: string): string | null {
  checkKey(key);
  const bytes = Buffer.from(sealed, 'base64url');
  if (bytes.length < NONCE_BYTES + TAG_BYTES) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, NONCE_BYTES), { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(associated, 'utf8'));
    decipher.setAuthTag(bytes.subarray(NONCE_BYTES, NONCE_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(bytes.subarray(NONCE_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}
