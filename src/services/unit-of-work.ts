/**
 * One transaction per operation: the service authorizes, validates, writes, records what the
 * change makes stale and writes its audit event, all on the same transaction; after the commit
 * every local cache forgets what the change touched before the call returns, and other processes
 * and nodes learn it through the revocation epoch and LISTEN/NOTIFY (src/store/invalidation.ts).
 * Passwords are hashed before the transaction opens (they cost tens of milliseconds).
 */
import type { Transaction } from 'kysely';
import type { AuditStore } from '../store/audit-store.js';
import type { Invalidation, InvalidationEvent } from '../store/invalidation.js';
import type { Database } from '../store/schema.js';
import type { Actor } from './actor.js';
import { recordAudit, type AuditEvent } from './audit-events.js';

export interface Change {
  readonly trx: Transaction<Database>;
  /** The operation's time, one value for every row it writes. */
  readonly nowMs: number;
  /** Caches to flush once the transaction commits (in this process, others, other nodes). */
  invalidate(event: InvalidationEvent): void;
  /** Writes the operation's audit event in this transaction. */
  audit(event: AuditEvent): Promise<void>;
}

export type UnitOfWork = <T>(actor: Actor, work: (change: Change) => Promise<T>) => Promise<T>;

export interface UnitOfWorkDeps {
  readonly invalidation: Pick<Invalidation, 'revoke'>;
  readonly audit: Pick<AuditStore, 'record'>;
  readonly now: () => number;
}

export function createUnitOfWork(deps: UnitOfWorkDeps): UnitOfWork {
  return (actor, work) =>
    deps.invalidation.revoke(async (trx) => {
      const nowMs = deps.now();
      const events: InvalidationEvent[] = [];
      const result = await work({
        trx,
        nowMs,
        invalidate: (event) => events.push(event),
        audit: (event) => recordAudit(deps.audit, trx, actor, event, nowMs),
      });
      return { result, event: events };
    });
}
