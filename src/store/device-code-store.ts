/**
 * RFC 8628 device authorization requests, persistence only (rules: src/domain/device-code.ts and
 * src/oauth/grants/device-code.ts). Digests only. Each state change is one conditional UPDATE, so
 * a request is decided once and redeemed once however many polls or clicks race: the approval
 * turns `pending` into `approved`; the redemption turns `approved` into `used` in the transaction
 * that inserts the tokens.
 */
import { randomUUID } from 'node:crypto';
import type { Store } from './db.js';
import { isUniqueViolation, splitScopes } from './db.js';
import type { DeviceCodesTable } from './schema.js';
import { insertTokenRows, type NewToken } from './token-store.js';

export type DeviceCodeStatus = 'pending' | 'approved' | 'denied' | 'used';

export interface DeviceCode {
  readonly id: string;
  readonly clientId: string;
  readonly scopes: string[];
  readonly status: DeviceCodeStatus;
  readonly userId: string | null;
  readonly intervalSeconds: number;
  readonly lastPollAt: number | null;
  readonly createdAt: number;
  readonly expiresAt: number;
}

export interface NewDeviceCode {
  readonly deviceCodeHash: string;
  readonly userCodeHash: string;
  readonly clientId: string;
  readonly scopes: readonly string[];
  readonly intervalSeconds: number;
  readonly createdAt: number;
  readonly expiresAt: number;
}

/** Another pending request holds this user code (the unique index refused the row). */
export class DuplicateUserCodeError extends Error {
  override readonly name = 'DuplicateUserCodeError';
}

function rowToDeviceCode(row: DeviceCodesTable): DeviceCode {
  return {
    id: row.id,
    clientId: row.client_id,
    scopes: splitScopes(row.scopes),
    status: row.status as DeviceCodeStatus,
    userId: row.user_id,
    intervalSeconds: Number(row.interval_seconds),
    lastPollAt: row.last_poll_at === null ? null : Number(row.last_poll_at),
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
  };
}

export type DeviceCodeStore = ReturnType<typeof createDeviceCodeStore>;

export function createDeviceCodeStore(store: Store) {
  const { db } = store;
  return {
    /** Stores a new request; throws DuplicateUserCodeError when its user code is taken. */
    async insert(code: NewDeviceCode): Promise<void> {
      try {
        await db
          .insertInto('device_codes')
          .values({
            id: randomUUID(),
            device_code_hash: code.deviceCodeHash,
            user_code_hash: code.userCodeHash,
            client_id: code.clientId,
            scopes: code.scopes.join(' '),
            status: 'pending',
            user_id: null,
            interval_seconds: code.intervalSeconds,
            last_poll_at: null,
            created_at: code.createdAt,
            expires_at: code.expiresAt,
          })
          .execute();
      } catch (err) {
        if (isUniqueViolation(err)) throw new DuplicateUserCodeError('user code taken', { cause: err });
        throw err;
      }
    },

    async findByDeviceCodeHash(hash: string): Promise<DeviceCode | null> {
      const row = await db.selectFrom('device_codes').selectAll().where('device_code_hash', '=', hash).executeTakeFirst();
      return row ? rowToDeviceCode(row) : null;
    },

    /** The pending, unexpired request with this user code, or null. */
    async findPendingByUserCodeHash(hash: string, nowMs: number): Promise<DeviceCode | null> {
      const row = await db
        .selectFrom('device_codes')
        .selectAll()
        .where('user_code_hash', '=', hash)
        .where('status', '=', 'pending')
        .where('expires_at', '>', nowMs)
        .executeTakeFirst();
      return row ? rowToDeviceCode(row) : null;
    },

    /** The user's answer: approved (for this user) or denied; false when it is no longer pending. */
    async decide(id: string, userId: string, approved: boolean, nowMs: number): Promise<boolean> {
      const res = await db
        .updateTable('device_codes')
        .set({ status: approved ? 'approved' : 'denied', user_id: userId })
        .where('id', '=', id)
        .where('status', '=', 'pending')
        .where('expires_at', '>', nowMs)
        .executeTakeFirst();
      return Number(res.numUpdatedRows) === 1;
    },

    /** Records a poll (and the interval it leaves), only if nobody recorded another since `seen`. */
    async recordPoll(id: string, seen: number | null, nowMs: number, intervalSeconds: number): Promise<void> {
      await db
        .updateTable('device_codes')
        .set({ last_poll_at: nowMs, interval_seconds: intervalSeconds })
        .where('id', '=', id)
        .where((eb) => (seen === null ? eb('last_poll_at', 'is', null) : eb('last_poll_at', '=', seen)))
        .execute();
    },

    /**
     * Marks an approved request used and inserts the tokens `prepare` returns, in one transaction;
     * null when another poll redeemed it first.
     */
    async redeem<T>(id: string, prepare: (code: DeviceCode) => { tokens: NewToken[]; result: T }): Promise<T | null> {
      return db.transaction().execute(async (trx) => {
        const row = await trx
          .updateTable('device_codes')
          .set({ status: 'used' })
          .where('id', '=', id)
          .where('status', '=', 'approved')
          .returningAll()
          .executeTakeFirst();
        if (!row) return null;
        const prepared = prepare(rowToDeviceCode(row));
        await insertTokenRows(trx, prepared.tokens);
        return prepared.result;
      });
    },

    /** Deletes requests that expired before `beforeMs`; returns how many. */
    async purgeExpired(beforeMs: number): Promise<number> {
      const res = await db.deleteFrom('device_codes').where('expires_at', '<', beforeMs).executeTakeFirst();
      return Number(res.numDeletedRows);
    },
  };
}
