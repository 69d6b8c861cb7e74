/**
 * Tokens (/admin/tokens, administrators): every active token across users and clients, filtered
 * by client, user, kind, age and disuse, with tokens older than the rotation policy marked; and
 * bulk revocation by client, user, name or created-before, showing the count before Confirm.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../../config.js';
import type { Actor } from '../../../services/actor.js';
import { ValidationError } from '../../../services/errors.js';
import type { TokenFilterInput, TokenHygieneService } from '../../../services/token-hygiene.js';
import type { User } from '../../../store/user-store.js';
import { csrfCheck, csrfToken } from '../../plugins/security.js';
import { confirmCard, pagination, type FormErrors } from '../../views/components.js';
import { html } from '../../views/html.js';
import { renderPage, type Flash } from '../../views/layout.js';
import { bulkRevokeForm, tokenFilterBar, tokenHygieneTable, type BulkRevokeForm, type TokenFilterForm } from '../../views/token-hygiene.js';

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

export interface AdminTokenDeps {
  readonly tokenHygiene: TokenHygieneService;
  readonly config: Pick<Config, 'tokenRotationDays'>;
}

export async function adminTokenRoutes(app: FastifyInstance, { tokenHygiene, config }: AdminTokenDeps): Promise<void> {
  const session = app.consoleSession;
  const admin = async (request: FastifyRequest, reply: FastifyReply): Promise<{ me: User; actor: Actor } | null> => {
    const me = await session.requireAdmin(request, reply);
    return me ? { me, actor: session.actor(request, me) } : null;
  };

  const listPage = async (
    request: FastifyRequest,
    reply: FastifyReply,
    who: { me: User; actor: Actor },
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
    let listed: { data: Awaited<ReturnType<TokenHygieneService['list']>>['data']; total: number } = { data: [], total: 0 };
    try {
      listed = await tokenHygiene.list(who.actor, input, { page: pageNo, perPage: PER_PAGE }, errors as Record<string, string[]>);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      Object.assign(errors, err.errors);
    }
    const clients = await tokenHygiene.clientOptions(who.actor);
    const csrf = csrfToken(request, reply);
    const body = html`<div class="page-header"><h1>Tokens</h1></div>
<p class="muted">Every active token across users and clients. Tokens older than ${config.tokenRotationDays} days are marked for rotation.</p>
${tokenFilterBar(values, clients, errors)}
${tokenHygieneTable(listed.data, config.tokenRotationDays)}
${pagination({ path: BASE, query: { ...values }, page: pageNo, perPage: PER_PAGE, total: listed.total })}
${bulkRevokeForm(csrf, extra.bulk ?? { client: '', user: '', name: '', before: '' }, clients, extra.bulkErrors ?? {})}`;
    return renderPage({ title: 'Tokens', user: who.me, csrfToken: csrf, active: 'tokens', flash: extra.flash ?? null, body });
  };

  app.get(BASE, async (request, reply) => {
    const who = await admin(request, reply);
    if (!who) return reply;
    return reply.type('text/html; charset=utf-8').send(await listPage(request, reply, who, { flash: session.takeFlash(request, reply) }));
  });

  /** Runs a bulk action; a form with problems is answered with the page and its errors (422), then null. */
  const bulk = async <T>(request: FastifyRequest, reply: FastifyReply, who: { me: User; actor: Actor }, form: BulkRevokeForm, run: () => Promise<T>): Promise<T | null> => {
    try {
      return await run();
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      const page = await listPage(request, reply, who, { bulk: form, bulkErrors: err.errors, flash: { kind: 'error', message: 'Nothing was revoked: check the bulk revoke form.' } });
      await reply.code(422).type('text/html; charset=utf-8').send(page);
      return null;
    }
  };

  app.post(`${BASE}/revoke/preview`, { preHandler: csrfCheck(app) }, async (request, reply) => {
    const who = await admin(request, reply);
    if (!who) return reply;
    const form = readBulkForm(request.body);
    const counted = await bulk(request, reply, who, form, () => tokenHygiene.bulkRevoke(who.actor, form, { dryRun: true }));
    if (!counted) return reply;
    const { count } = counted;
    const clientName = form.client ? (await tokenHygiene.clientOptions(who.actor)).find((c) => c.id === form.client || c.name.toLowerCase() === form.client.toLowerCase())?.name : undefined;
    const csrf = csrfToken(request, reply);
    const body = confirmCard({
      title: 'Revoke tokens',
      message: html`<p><strong id="revoke-count">${count}</strong> active token${count === 1 ? '' : 's'} match ${bulkSummary(form, clientName)}.</p>
<p>${count > 0 ? 'Revoking them stops every application using them at once. This cannot be undone.' : 'Nothing would be revoked.'}</p>`,
      action: `${BASE}/revoke`,
      csrf,
      cancelHref: BASE,
      fields: { ...form },
    });
    return reply.type('text/html; charset=utf-8').send(renderPage({ title: 'Revoke tokens', user: who.me, csrfToken: csrf, active: 'tokens', narrow: true, body }));
  });

  app.post(`${BASE}/revoke`, { preHandler: csrfCheck(app) }, async (request, reply) => {
    const who = await admin(request, reply);
    if (!who) return reply;
    const form = readBulkForm(request.body);
    const done = await bulk(request, reply, who, form, () => tokenHygiene.bulkRevoke(who.actor, form));
    if (!done) return reply;
    session.setFlash(reply, { kind: 'success', message: `Revoked ${done.count} token${done.count === 1 ? '' : 's'}.` });
    return reply.redirect(BASE, 303);
  });
}
