/** Audit events for administrative actions. Details never hold a secret or a token. */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Store } from './db.js';
import { toDate } from './db.js';
import type { Database } from './schema.js';

export interface Actor {
  readonly id: string | null;
  readonly name: string;
}

export interface AuditEvent {
  readonly id: string;
  readonly type: string;
  readonly actor: Actor;
  readonly subjectType: string | null;
  readonly subjectId: string | null;
  readonly details: Record<string, unknown>;
  readonly createdAt: Date;
}

export type AuditStore = ReturnType<typeof createAuditStore>;

export function createAuditStore(store: Store) {
  const { db } = store;
  return {
    async record(
      event: { type: string; actor: Actor; subjectType?: string; subjectId?: string; details?: Record<string, unknown> },
      trx: Kysely<Database> = db,
      nowMs = Date.now(),
    ): Promise<void> {
      await trx
        .insertInto('audit_events')
        .values({
          id: randomUUID(),
          type: event.type,
          actor_id: event.actor.id,
          actor_name: event.actor.name,
          subject_type: event.subjectType ?? null,
          subject_id: event.subjectId ?? null,
          details: JSON.stringify(event.details ?? {}),
          created_at: nowMs,
        })
        .execute();
    },

    async list(options: { page: number; perPage: number; type?: string }): Promise<{ data: AuditEvent[]; total: number }> {
      let q = db.selectFrom('audit_events');
      if (options.type) q = q.where('type', '=', options.type);
      const total = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      const rows = await q
        .selectAll()
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(options.perPage)
        .offset((options.page - 1) * options.perPage)
        .execute();
      return {
        total: Number(total.n),
        data: rows.map((r) => ({
          id: r.id,
          type: r.type,
          actor: { id: r.actor_id, name: r.actor_name ?? '' },
          subjectType: r.subject_type,
          subjectId: r.subject_id,
          details: JSON.parse(r.details) as Record<string, unknown>,
          createdAt: toDate(r.created_at),
        })),
      };
    },
  };
}
