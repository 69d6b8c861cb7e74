/**
 * How the token endpoint's rows reach the store: one implementation per dialect, each writing
 * the requests that arrive together in as few commits as it can (src/store/sqlite-token-writer.ts,
 * src/store/pg-token-writer.ts). Rows are complete `tokens` rows; a foreign-key refusal (the
 * client or user was deleted meanwhile) rejects only the request it belongs to.
 */
import type { TokensTable } from './schema.js';

export interface TokenWriter {
  /** Inserts the rows of one request; resolves once committed. */
  insert(rows: readonly TokensTable[]): Promise<void>;
  /**
   * Retires the refresh token (one conditional UPDATE) and inserts its successors, atomically.
   * Resolves false, inserting nothing, when the token was already retired or revoked.
   */
  rotate(oldId: string, nowMs: number, successors: readonly TokensTable[]): Promise<boolean>;
  /** Writes last-use times. */
  markUsed(entries: ReadonlyArray<readonly [id: string, atMs: number]>): Promise<void>;
}
