/**
 * RFC 8628 (device authorization grant) rules with no I/O: user codes, lifetimes and polling.
 *
 * User codes (§6.1): typed by a person from a TV or a terminal, so short and unambiguous — 8
 * characters from 20 consonants (no vowels, so no words; no digits to mistake for letters), shown
 * as `BCDF-GHJK`. That is 20^8 ≈ 2^34.6 codes; with at most a few thousand pending at once and
 * guessing throttled like passwords (per user and per address), a guess almost never lands.
 * Input is normalised: case, spaces and dashes do not matter.
 */
import { randomInt } from 'node:crypto';

export const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';
export const USER_CODE_LENGTH = 8;
/** How long the device code and its user code live (§3.2 `expires_in`). */
export const DEVICE_CODE_TTL_SECONDS = 600;
/** §3.2 `interval`: the least wait between polls; §3.5 slow_down adds 5 s to it. */
export const DEVICE_POLL_INTERVAL_SECONDS = 5;
export const SLOW_DOWN_STEP_SECONDS = 5;
/** The interval never grows beyond this, however fast a client polls. */
export const MAX_POLL_INTERVAL_SECONDS = 60;

/** A new user code, normalised (no dash). */
export function issueUserCode(): string {
  let out = '';
  for (let i = 0; i < USER_CODE_LENGTH; i++) out += USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)];
  return out;
}

/** `BCDFGHJK` → `BCDF-GHJK`: how the code is shown and sent in `user_code`. */
export function formatUserCode(code: string): string {
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

/**
 * What a person typed → the normalised code, or null when it cannot be a user code (so no lookup
 * and no throttle slot is spent on it). Case, spaces and dashes are ignored.
 */
export function normalizeUserCode(input: string): string | null {
  if (input.length > 32) return null;
  const code = input.toUpperCase().replace(/[\s-]+/g, '');
  if (code.length !== USER_CODE_LENGTH) return null;
  for (const c of code) if (!USER_CODE_ALPHABET.includes(c)) return null;
  return code;
}

/**
 * §3.5: a client that polls again before `interval` has passed gets `slow_down`, and its interval
 * grows by 5 s "for all subsequent requests". Returns the interval to keep and whether this poll
 * came too early.
 */
export function pollRate(lastPollAt: number | null, intervalSeconds: number, nowMs: number): { readonly tooFast: boolean; readonly intervalSeconds: number } {
  if (lastPollAt === null || nowMs - lastPollAt >= intervalSeconds * 1000) return { tooFast: false, intervalSeconds };
  return { tooFast: true, intervalSeconds: Math.min(intervalSeconds + SLOW_DOWN_STEP_SECONDS, MAX_POLL_INTERVAL_SECONDS) };
}
