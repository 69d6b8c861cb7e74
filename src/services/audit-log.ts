/** Reading the audit log (administrators): newest first, paginated, filtered by type. */
import type { AuditEvent as AuditRecord, AuditStore } from '../store/audit-store.js';
import type { Actor } from './actor.js';
import { authorize } from './policy.js';

export type AuditLogService = ReturnType<typeof createAuditLogService>;

export function createAuditLogService(deps: { readonly audit: Pick<AuditStore, 'list'> }) {
  return {
    async list(actor: Actor, options: { page: number; perPage: number; type?: string }): Promise<{ data: AuditRecord[]; total: number }> {
      authorize(actor, { action: 'audit.view' });
      const type = options.type?.trim();
      return deps.audit.list({ page: options.page, perPage: options.perPage, ...(type ? { type } : {}) });
    },
  };
}
