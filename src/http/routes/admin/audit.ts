/** The audit log console page at /admin/audit (administrators): newest first, filter by type, paginated. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuditLogService } from '../../../services/audit-log.js';
import { csrfToken } from '../../plugins/security.js';
import { pastLastPage, readPaging } from '../../paging.js';
import { emptyRow, pagination } from '../../views/components.js';
import { formatDate, html } from '../../views/html.js';
import { renderErrorPage, renderPage } from '../../views/layout.js';

const PAGE_SIZES = [25, 50, 100];

/** The event types offered in the filter; any other type may still be asked for by URL. */
export const AUDIT_TYPES = [
  'client.created', 'client.updated', 'client.deleted', 'client.secret_regenerated',
  'user.created', 'user.updated', 'user.deleted', 'token.created', 'token.revoked', 'token.bulk_revoked',
  'scope.created', 'scope.updated', 'scope.deleted',
];

function badgeClass(type: string): string {
  if (type.endsWith('.deleted') || type.endsWith('.revoked')) return 'badge badge-red';
  if (type.endsWith('.created')) return 'badge badge-green';
  if (type.endsWith('.secret_regenerated')) return 'badge badge-orange';
  return 'badge';
}

function detailValue(value: unknown): string {
  if (Array.isArray(value)) return value.length ? value.join(', ') : '—';
  if (value === null || value === undefined || value === '') return '—';
  if (typeof value === 'object') return JSON.stringify(value);
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export async function adminAuditRoutes(app: FastifyInstance, { auditLog }: { auditLog: AuditLogService }): Promise<void> {
  const session = app.consoleSession;
  app.get('/admin/audit', async (request: FastifyRequest<{ Querystring: Record<string, string | undefined> }>, reply) => {
    const user = await session.requireUser(request, reply);
    if (!user) return reply;
    const csrf = csrfToken(request, reply);
    if (!user.administrator) {
      return reply.code(403).type('text/html; charset=utf-8').send(renderErrorPage('Not allowed', 'Only administrators can see the audit log.', user, csrf));
    }
    const type = (request.query.type ?? '').trim().slice(0, 100);
    const paging = readPaging(request.query, PAGE_SIZES);
    const { data, total } = await auditLog.list(session.actor(request, user), { ...paging, type });
    const past = pastLastPage('/admin/audit', { type }, paging, total, PAGE_SIZES[0]);
    if (past) return reply.redirect(past, 303);
    const types = AUDIT_TYPES.includes(type) || !type ? AUDIT_TYPES : [type, ...AUDIT_TYPES];
    const rows = data.map((e) => {
      const { values, ...rest } = e.details as { values?: Record<string, unknown> } & Record<string, unknown>;
      const entries = Object.entries({ ...rest, ...(values ?? {}) }).filter(([k]) => k !== 'changed' || !values);
      return html`<tr>
  <td data-label="Time" class="nowrap small">${formatDate(e.createdAt)}</td>
  <td data-label="Event"><span class="${badgeClass(e.type)}">${e.type}</span></td>
  <td data-label="Actor">${e.actor.name || '—'}</td>
  <td data-label="Subject" class="small">${e.subjectType ?? ''} ${e.subjectId ? html`<code>${e.subjectId}</code>` : ''}</td>
  <td data-label="Details" class="small"><dl class="meta details">${entries.map(([k, v]) => html`<dt>${k}</dt><dd>${detailValue(v)}</dd>`)}</dl></td>
</tr>`;
    });
    const body = html`<div class="page-header"><h1>Audit log</h1></div>
<p class="muted lead">Administrative changes: who did what, and when. Secrets are never recorded.</p>
<form method="get" action="/admin/audit" class="toolbar">
  <div class="field">
    <label for="type">Event type</label>
    <select id="type" name="type">
      <option value="">All events</option>
      ${types.map((t) => html`<option value="${t}"${t === type ? html` selected` : ''}>${t}</option>`)}
    </select>
  </div>
  <button type="submit" class="btn btn-secondary">Filter</button>
</form>
<div class="table-wrap">
<table class="stacked">
  <caption class="visually-hidden">Audit events</caption>
  <thead><tr><th scope="col">Time</th><th scope="col">Event</th><th scope="col">Actor</th><th scope="col">Subject</th><th scope="col">Details</th></tr></thead>
  <tbody>${rows.length ? rows : emptyRow(5, type ? html`No ${type} events yet. <a href="/admin/audit">Show all events</a>.` : 'No events yet: changes to clients, users and tokens will be listed here.')}</tbody>
</table>
</div>
${pagination({ path: '/admin/audit', query: { type }, ...paging, total, sizes: PAGE_SIZES })}`;
    return reply
      .type('text/html; charset=utf-8')
      .send(renderPage({ title: 'Audit log', body, user, csrfToken: csrf, flash: session.takeFlash(request, reply), active: 'audit' }));
  });
}
