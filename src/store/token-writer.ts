/**
 * How the token endpoint's rows reach the store: one implementation per dialect, each writing
 * the requests that arrive together in as few commits as it can (src/store/sqlite-token-writer.ts,
 * src/store/pg-token-writer.ts). Rows are complete `tokens` rows; a foreign-key refusal (the
 * client or user was deleted meanwhile) rejects only the request it belongs to.
 */
import type { TokensTable } from './schema.js';

/**
 * What a refresh rotation came to: `rotated` (the token was live and is now retired), `branched`
 * (it was retired inside the grace window: the successors are one more branch beside the others),
 * `exhausted` (inside the window, but it already has the most successors allowed), `refused`
 * (revoked, or retired and no window covers it). Only the first two stored anything.
 */
export type RotationOutcome = 'rotated' | 'branched' | 'exhausted' | 'refused';

/** The refresh grace window, as the store applies it. */
export interface RotationGrace {
  /** A token retired at or after this time may branch. */
  readonly retiredSinceMs: number;
  /** Most successor refresh tokens one retired token may have (the first rotation's included). */
  readonly maxSuccessors: number;
}

export interface TokenWriter {
  /** Inserts the rows of one request; resolves once committed. */
  insert(rows: readonly TokensTable[]): Promise<void>;
  /**
   * Retires the refresh token (one conditional UPDATE) and inserts its successors, atomically.
   * When it was already retired and `grace` covers it, inserts the successors as a new branch,
   * counting the branches under a lock so that `maxSuccessors` holds against any concurrency.
   */
  rotate(oldId: string, nowMs: number, successors: readonly TokensTable[], grace: RotationGrace | null): Promise<RotationOutcome>;
  /** Writes last-use times. */
  markUsed(entries: ReadonlyArray<readonly [id: string, atMs: number]>): Promise<void>;
}
