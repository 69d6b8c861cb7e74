/** The audit log at /api/1.0/audit: administrators only, newest first, paginated, filter by type. */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuditLogService } from '../../services/audit-log.js';
import type { AuditEvent } from '../../store/audit-store.js';
import { actorOf } from '../auth.js';
import { ListOf, PageQuery, pageOf, PROTECTED_ERRORS, ValidationError } from '../schemas.js';

export const AuditEventResponse = Type.Object(
  {
    id: Type.String(),
    type: Type.String({ description: 'e.g. client.created, client.updated, client.deleted, client.secret_regenerated' }),
    actor: Type.Object({ id: Type.Union([Type.String(), Type.Null()]), name: Type.String() }),
    subject_type: Type.Union([Type.String(), Type.Null()]),
    subject_id: Type.Union([Type.String(), Type.Null()]),
    details: Type.Record(Type.String(), Type.Unknown(), { description: 'What changed; never a secret.' }),
    created_at: Type.String({ format: 'date-time' }),
  },
  { $id: 'AuditEvent' },
);

export function auditJson(e: AuditEvent): Record<string, unknown> {
  return {
    id: e.id,
    type: e.type,
    actor: { id: e.actor.id, name: e.actor.name },
    subject_type: e.subjectType,
    subject_id: e.subjectId,
    details: e.details,
    created_at: e.createdAt.toISOString(),
  };
}

export async function auditRoutes(app: FastifyInstance, { auditLog }: { auditLog: AuditLogService }): Promise<void> {
  app.get(
    '/audit',
    {
      schema: {
        tags: ['Audit'],
        security: [{ bearerAuth: [] }],
        summary: 'Administrative events, newest first',
        querystring: Type.Object({ ...PageQuery, type: Type.Optional(Type.String({ maxLength: 100, description: 'Only events of this type.' })) }),
        response: { 200: ListOf(AuditEventResponse), 422: ValidationError, ...PROTECTED_ERRORS },
      },
    },
    async (request: FastifyRequest<{ Querystring: { page?: number; per_page?: number; type?: string } }>) => {
      const { page, perPage } = pageOf(request.query);
      const { data, total } = await auditLog.list(actorOf(request), { page, perPage, ...(request.query.type !== undefined ? { type: request.query.type } : {}) });
      return { data: data.map(auditJson), meta: { total, page, per_page: perPage } };
    },
  );
}
