/**
 * Tokens (/admin/tokens, administrators): every active token across users and clients, filtered
 * by client and user (id or name, typed), kind, age and disuse, with tokens older than the
 * rotation policy marked; a Revoke on every row (confirmation, then Confirm); and bulk revocation
 * by client, user, name or created-before, showing the count before Confirm.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../../config.js';
import type { TokenFilterInput } from '../../../domain/token.js';
import type { Actor } from '../../../services/actor.js';
import { nullIfNotFound, ValidationError } from '../../../services/errors.js';
import type { TokenHygieneService } from '../../../services/token-hygiene.js';
import type { User } from '../../../store/user-store.js';
import { pastLastPage, readPaging } from '../../paging.js';
import { csrfCheck, csrfToken } from '../../plugins/security.js';
import { confirmCard, pagination, type FormErrors } from '../../views/components.js';
import { html } from '../../views/html.js';
import { renderPage, type Flash } from '../../views/layout.js';
import { bulkRevokeForm, tokenFilterBar, tokenHygieneTable, tokenSummary, type BulkRevokeForm, type TokenFilterForm } from '../../views/token-hygiene.js';

const BASE = '/admin/tokens';
const PAGE_SIZES = [25, 50, 100];

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

function readBulkForm(source: unknown): BulkRevokeForm {
  return { client: text(source, 'client'), user: text(source, 'user'), name: text(source, 'name'), before: text(source, 'before', 40) };
}

function bulkSummary(form: BulkRevokeForm): string {
  const parts: string[] = [];
  if (form.client) parts.push(`client "${form.client}"`);
  if (form.user) parts.push(`user "${form.user}"`);
  if (form.name) parts.push(`name "${form.name}"`);
  if (form.before) parts.push(`created before ${form.before}`);
  return parts.join(', ');
}

export interface AdminTokenDeps {
  readonly tokenHygiene: TokenHygieneService;
  readonly config: Pick<Config, 'tokenRotationDays'>;
}

type Who = { me: User; actor: Actor };

export async function adminTokenRoutes(app: FastifyInstance, { tokenHygiene, config }: AdminTokenDeps): Promise<void> {
  const session = app.consoleSession;
  const admin = async (request: FastifyRequest, reply: FastifyReply): Promise<Who | null> => {
    const me = await session.requireAdmin(request, reply);
    return me ? { me, actor: session.actor(request, me) } : null;
  };
  const send = (reply: FastifyReply, page: string) => reply.type('text/html; charset=utf-8').send(page);

  /** The list page; null when the page asked for is past the last one (the reply then redirects there). */
  const listPage = async (request: FastifyRequest, reply: FastifyReply, who: Who, extra: { bulk?: BulkRevokeForm; bulkErrors?: FormErrors; flash?: Flash | null } = {}): Promise<string | null> => {
    const q = request.query as Record<string, unknown>;
    const values: TokenFilterForm = { client: text(q, 'client'), user: text(q, 'user'), kind: text(q, 'kind', 40), older_than_days: text(q, 'older_than_days', 10), unused_days: text(q, 'unused_days', 10) };
    const paging = readPaging(q, PAGE_SIZES);
    const errors: FormErrors = {};
    const older = days(values.older_than_days, 'Older than');
    const unused = days(values.unused_days, 'Unused for');
    if (older.error) errors.older_than_days = [older.error];
    if (unused.error) errors.unused_days = [unused.error];
    const input: TokenFilterInput = { client: values.client, user: values.user, kind: values.kind, olderThanDays: older.value, unusedDays: unused.value };
    let listed: Awaited<ReturnType<TokenHygieneService['list']>> = { data: [], total: 0 };
    try {
      listed = await tokenHygiene.list(who.actor, input, paging, errors as Record<string, string[]>);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      Object.assign(errors, err.errors);
    }
    const past = pastLastPage(BASE, { ...values }, paging, listed.total, PAGE_SIZES[0]);
    if (past && !extra.bulk) {
      await reply.redirect(past, 303);
      return null;
    }
    const csrf = csrfToken(request, reply);
    const filtered = Object.values(values).some((v) => v !== '');
    const body = html`<div class="page-header"><h1>Tokens</h1></div>
<p class="muted">Every active token across users and clients. Tokens older than ${config.tokenRotationDays} days are marked for rotation.</p>
${tokenFilterBar(values, errors)}
${tokenHygieneTable(listed.data, config.tokenRotationDays, { filtered })}
${pagination({ path: BASE, query: { ...values }, ...paging, total: listed.total, sizes: PAGE_SIZES })}
${bulkRevokeForm(extra.bulk ?? { client: '', user: '', name: '', before: '' }, extra.bulkErrors ?? {})}`;
    return renderPage({ title: 'Tokens', user: who.me, csrfToken: csrf, active: 'tokens', flash: extra.flash ?? null, body });
  };

  app.get(BASE, async (request, reply) => {
    const who = await admin(request, reply);
    if (!who) return reply;
    const page = await listPage(request, reply, who, { flash: session.takeFlash(request, reply) });
    return page === null ? reply : send(reply, page);
  });

  /** Runs a bulk action; a form with problems is answered with the page and its errors (422), then null. */
  const bulk = async <T>(request: FastifyRequest, reply: FastifyReply, who: Who, form: BulkRevokeForm, run: () => Promise<T>): Promise<T | null> => {
    try {
      return await run();
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      const page = await listPage(request, reply, who, { bulk: form, bulkErrors: err.errors, flash: { kind: 'error', message: 'Nothing was revoked: check the bulk revoke form.' } });
      await reply.code(422).type('text/html; charset=utf-8').send(page);
      return null;
    }
  };

  // The count before Confirm: a GET (nothing changes), so reloading it is harmless.
  app.get(`${BASE}/revoke`, async (request, reply) => {
    const who = await admin(request, reply);
    if (!who) return reply;
    const form = readBulkForm(request.query);
    const counted = await bulk(request, reply, who, form, () => tokenHygiene.bulkRevoke(who.actor, form, { dryRun: true }));
    if (!counted) return reply;
    const { count } = counted;
    const csrf = csrfToken(request, reply);
    const body = confirmCard({
      title: 'Revoke tokens',
      message: html`<p><strong id="revoke-count">${count}</strong> active token${count === 1 ? ' matches' : 's match'} ${bulkSummary(form)}.</p>
<p>${count > 0 ? 'Revoking them stops every application using them at once. This cannot be undone.' : 'Nothing would be revoked.'}</p>`,
      action: `${BASE}/revoke`,
      csrf,
      cancelHref: BASE,
      fields: { ...form },
    });
    return send(reply, renderPage({ title: 'Revoke tokens', user: who.me, csrfToken: csrf, active: 'tokens', narrow: true, body }));
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

  app.get<{ Params: { id: string } }>(`${BASE}/:id/revoke`, async (request, reply) => {
    const who = await admin(request, reply);
    if (!who) return reply;
    const token = await tokenHygiene.get(who.actor, request.params.id).catch(nullIfNotFound);
    if (!token) {
      session.setFlash(reply, { kind: 'error', message: 'That token does not exist, expired, or was already revoked.' });
      return reply.redirect(BASE, 303);
    }
    const csrf = csrfToken(request, reply);
    const body = confirmCard({
      title: 'Revoke token',
      message: html`<p>Revoke this token? Anything using it stops working at once${token.kind === 'refresh_token' ? ', with the access tokens issued from it' : ''}. This cannot be undone.</p>${tokenSummary(token)}`,
      action: `${BASE}/${token.id}/revoke`,
      csrf,
      cancelHref: BASE,
    });
    return send(reply, renderPage({ title: 'Revoke token', user: who.me, csrfToken: csrf, active: 'tokens', narrow: true, body }));
  });

  app.post<{ Params: { id: string } }>(`${BASE}/:id/revoke`, { preHandler: csrfCheck(app) }, async (request, reply) => {
    const who = await admin(request, reply);
    if (!who) return reply;
    const done = await tokenHygiene.revoke(who.actor, request.params.id).then(() => true, nullIfNotFound);
    session.setFlash(reply, done ? { kind: 'success', message: 'Token revoked.' } : { kind: 'error', message: 'That token does not exist or was already revoked.' });
    return reply.redirect(BASE, 303);
  });
}
