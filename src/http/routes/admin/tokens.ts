/**
 * Tokens (/admin/tokens, administrators): every active token across users and clients, filtered
 * by client, user, kind, age and disuse, with tokens older than the rotation policy marked; and
 * bulk revocation by client, user, name or created-before, showing the count before Confirm.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Context } from '../../../context.js';
import { createTokenAdminStore, hasRevokeCriterion, type TokenFilterInput } from '../../../store/token-admin-store.js';
import type { User } from '../../../store/user-store.js';
import { setFlash, takeFlash } from '../../plugins/session.js';
import { csrfCheck, csrfToken } from '../../plugins/security.js';
import { confirmCard, pagination, type FormErrors } from '../../views/components.js';
import { html } from '../../views/html.js';
import { renderPage, type Flash } from '../../views/layout.js';
import { bulkRevokeForm, tokenFilterBar, tokenHygieneTable, type BulkRevokeForm, type TokenFilterForm } from '../../views/token-hygiene.js';
import { requireAdminPage } from './users.js';

const BASE = '/admin/tokens';
const PER_PAGE = 25;

function text(source: unknown, name: string, max = 255): string {
  const v = (source as Record<string, unknown> | null)?.[name];
  return typeof v === 'string' ? v.trim().slice(0, max) : '';
}

/** A whole number of days from a form field, or an error message. */
function days(value: string, label: string): { value?: number; error?: string } {
  if (value === '') return {};
  if (!/^\d{1,5}$/.test(value)) return { error: `${label} must be a whole number of days.` };
  return { value: Number(value) };
}

function readBulkForm(body: unknown): BulkRevokeForm {
  return { client: text(body, 'client', 100), user: text(body, 'user'), name: text(body, 'name'), before: text(body, 'before', 40) };
}

function bulkSummary(form: BulkRevokeForm, clientName: string | undefined): string {
  const parts: string[] = [];
  if (form.client) parts.push(`client "${clientName ?? form.client}"`);
  if (form.user) parts.push(`user "${form.user}"`);
  if (form.name) parts.push(`name "${form.name}"`);
  if (form.before) parts.push(`created before ${form.before}`);
  return parts.join(', ');
}

export async function adminTokenRoutes(app: FastifyInstance, ctx: Context): Promise<void> {
  const admin = createTokenAdminStore(ctx.store, ctx.tokens, ctx.audit);

  const listPage = async (
    request: FastifyRequest,
    reply: FastifyReply,
    me: User,
    extra: { bulk?: BulkRevokeForm; bulkErrors?: FormErrors; flash?: Flash | null } = {},
  ): Promise<string> => {
    const q = request.query as Record<string, unknown>;
    const values: TokenFilterForm = { client: text(q, 'client', 100), user: text(q, 'user'), kind: text(q, 'kind', 40), older_than_days: text(q, 'older_than_days', 10), unused_days: text(q, 'unused_days', 10) };
    const pageNo = Math.max(1, Math.min(100_000, Number.parseInt(text(q, 'page', 10) || '1', 10) || 1));
    const errors: FormErrors = {};
    const older = days(values.older_than_days, 'Older than');
    const unused = days(values.unused_days, 'Unused for');
    if (older.error) errors.older_than_days = [older.error];
    if (unused.error) errors.unused_days = [unused.error];
    const input: TokenFilterInput = { client: values.client, user: values.user, kind: values.kind, olderThanDays: older.value, unusedDays: unused.value };
    const resolved = await admin.resolveFilter(input);
    if (!resolved.ok) Object.assign(errors, resolved.errors);
    await ctx.lastUsed.flush();
    const clients = await admin.clientOptions();
    const { data, total } =
      resolved.ok && Object.keys(errors).length === 0
        ? await admin.list(resolved.filter, { page: pageNo, perPage: PER_PAGE, rotationDays: ctx.config.tokenRotationDays })
        : { data: [], total: 0 };
    const csrf = csrfToken(request, reply);
    const body = html`<div class="page-header"><h1>Tokens</h1></div>
<p class="muted">Every active token across users and clients. Tokens older than ${ctx.config.tokenRotationDays} days are marked for rotation.</p>
${tokenFilterBar(values, clients, errors)}
${tokenHygieneTable(data, ctx.config.tokenRotationDays)}
${pagination({ path: BASE, query: { ...values }, page: pageNo, perPage: PER_PAGE, total })}
${bulkRevokeForm(csrf, extra.bulk ?? { client: '', user: '', name: '', before: '' }, clients, extra.bulkErrors ?? {})}`;
    return renderPage({ title: 'Tokens', user: me, csrfToken: csrf, active: 'tokens', flash: extra.flash ?? null, body });
  };

  app.get(BASE, async (request, reply) => {
    const me = await requireAdminPage(ctx, request, reply);
    if (!me) return reply;
    return reply.type('text/html; charset=utf-8').send(await listPage(request, reply, me, { flash: takeFlash(ctx, request, reply) }));
  });

  /** Checks the bulk form; answers the page with errors (422) and returns null when it is not usable. */
  const checkBulk = async (request: FastifyRequest, reply: FastifyReply, me: User) => {
    const form = readBulkForm(request.body);
    let errors: FormErrors = {};
    if (!hasRevokeCriterion(form)) errors.filter = ['Choose at least one of client, user, token name or created before.'];
    const resolved = await admin.resolveFilter(form);
    if (!resolved.ok) errors = { ...errors, ...resolved.errors };
    if (!resolved.ok || Object.keys(errors).length > 0) {
      await reply.code(422).type('text/html; charset=utf-8').send(await listPage(request, reply, me, { bulk: form, bulkErrors: errors, flash: { kind: 'error', message: 'Nothing was revoked: check the bulk revoke form.' } }));
      return null;
    }
    return { form, filter: resolved.filter };
  };

  app.post(`${BASE}/revoke/preview`, { preHandler: csrfCheck(app) }, async (request, reply) => {
    const me = await requireAdminPage(ctx, request, reply);
    if (!me) return reply;
    const checked = await checkBulk(request, reply, me);
    if (!checked) return reply;
    const count = await admin.bulkRevoke(checked.filter, { id: me.id, name: me.username }, { dryRun: true });
    const clientName = checked.form.client ? (await ctx.clients.findById(checked.filter.clientId ?? ''))?.name : undefined;
    const csrf = csrfToken(request, reply);
    const body = confirmCard({
      title: 'Revoke tokens',
      message: html`<p><strong id="revoke-count">${count}</strong> active token${count === 1 ? '' : 's'} match ${bulkSummary(checked.form, clientName)}.</p>
<p>${count > 0 ? 'Revoking them stops every application using them at once. This cannot be undone.' : 'Nothing would be revoked.'}</p>`,
      action: `${BASE}/revoke`,
      csrf,
      cancelHref: BASE,
      fields: { ...checked.form },
    });
    return reply.type('text/html; charset=utf-8').send(renderPage({ title: 'Revoke tokens', user: me, csrfToken: csrf, active: 'tokens', narrow: true, body }));
  });

  app.post(`${BASE}/revoke`, { preHandler: csrfCheck(app) }, async (request, reply) => {
    const me = await requireAdminPage(ctx, request, reply);
    if (!me) return reply;
    const checked = await checkBulk(request, reply, me);
    if (!checked) return reply;
    const count = await admin.bulkRevoke(checked.filter, { id: me.id, name: me.username });
    setFlash(ctx, reply, { kind: 'success', message: `Revoked ${count} token${count === 1 ? '' : 's'}.` });
    return reply.redirect(BASE, 303);
  });
}
