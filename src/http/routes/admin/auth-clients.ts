/**
 * The Auth Clients console at /admin/auth-clients. Pages are plain forms (session + CSRF), so the
 * console works without script and by keyboard; app.js adds Copy buttons and the Redirect URL /
 * password-warning toggles. Who may do what, validation, storing and audit are the clients
 * service's (src/services/clients.ts), so the console, the REST API and the CLI cannot drift.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { MAX_GRACE_PERIOD_SECONDS, type ClientService } from '../../../services/clients.js';
import { ValidationError } from '../../../services/errors.js';
import { may } from '../../../services/policy.js';
import type { Actor } from '../../../services/actor.js';
import type { User } from '../../../store/user-store.js';
import { csrfCheck, csrfToken } from '../../plugins/security.js';
import { renderErrorPage, renderPage, type Flash } from '../../views/layout.js';
import type { Html } from '../../views/html.js';
import {
  clientFormBody,
  clientListBody,
  deleteConfirmBody,
  EMPTY_FORM,
  formValuesOf,
  secretShownBody,
  type ClientFormValues,
  type ClientPermissions,
} from './auth-client-views.js';

const PER_PAGE = 15;
type Action = 'view' | 'create' | 'edit' | 'delete';
interface IdRoute {
  Params: { id: string };
}

/** What the pages offer this actor (the policy decides; the services check again). */
function permissionsOf(actor: Actor): ClientPermissions {
  return {
    view: may(actor, { action: 'client.view' }),
    create: may(actor, { action: 'client.create', change: {} }),
    edit: may(actor, { action: 'client.update' }),
    delete: may(actor, { action: 'client.delete' }),
    administrator: may(actor, { action: 'user.manage' }),
  };
}

function formField(body: unknown, name: string): string {
  const v = (body as Record<string, unknown> | null)?.[name];
  if (Array.isArray(v)) return typeof v[0] === 'string' ? v[0] : '';
  return typeof v === 'string' ? v : '';
}

function formList(body: unknown, name: string): string[] {
  const v = (body as Record<string, unknown> | null)?.[name];
  const list = Array.isArray(v) ? v : v === undefined ? [] : [v];
  return list.filter((x): x is string => typeof x === 'string');
}

/** The posted form as form values (to show again) and as an API request body. */
function readForm(body: unknown, mode: 'create' | 'edit', administrator: boolean): { values: ClientFormValues; request: Record<string, unknown> } {
  const values: ClientFormValues = {
    name: formField(body, 'name'),
    types: formList(body, 'types'),
    redirect: formField(body, 'redirect'),
    publicClient: formField(body, 'public') === '1',
    trusted: formField(body, 'trusted') === '1',
    introspectAll: formField(body, 'introspect_all') === '1',
    permissions: formList(body, 'permissions'),
  };
  const request: Record<string, unknown> = { name: values.name, types: values.types, redirect: values.redirect };
  if (mode === 'create') request.confidential = !values.publicClient;
  // Administrators see these fields (an unticked box sends nothing, meaning false). Anyone else
  // who sends them anyway gets the service's answer, as through the API.
  if (administrator) Object.assign(request, { trusted: values.trusted, introspect_all: values.introspectAll, permissions: values.permissions });
  else {
    const posted = body as Record<string, unknown> | null;
    if (posted?.trusted !== undefined) request.trusted = values.trusted;
    if (posted?.introspect_all !== undefined) request.introspect_all = values.introspectAll;
    if (posted?.permissions !== undefined) request.permissions = values.permissions;
  }
  return { values, request };
}

export async function adminAuthClientRoutes(app: FastifyInstance, { clients }: { clients: ClientService }): Promise<void> {
  const session = app.consoleSession;
  /** The signed-in user if allowed `action`; otherwise the reply is sent (login redirect or 403) and null returned. */
  const guard = async (request: FastifyRequest, reply: FastifyReply, action: Action): Promise<{ user: User; actor: Actor } | null> => {
    const user = await session.requireUser(request, reply);
    if (!user) return null;
    const actor = session.actor(request, user);
    if (!permissionsOf(actor)[action]) {
      await reply
        .code(403)
        .type('text/html; charset=utf-8')
        .send(renderErrorPage('Not allowed', 'You do not have permission to do this with Auth Clients.', user, csrfToken(request, reply)));
      return null;
    }
    return { user, actor };
  };

  const page = (request: FastifyRequest, reply: FastifyReply, user: User, title: string, body: Html, flash?: Flash | null, csrf?: string) =>
    reply.type('text/html; charset=utf-8').send(
      renderPage({ title, body, user, csrfToken: csrf ?? csrfToken(request, reply), flash: flash ?? session.takeFlash(request, reply), active: 'auth-clients' }),
    );

  app.get('/admin/auth-clients', async (request: FastifyRequest<{ Querystring: Record<string, string | undefined> }>, reply) => {
    const who = await guard(request, reply, 'view');
    if (!who) return reply;
    const q = request.query;
    const filter = typeof q.filter === 'string' ? q.filter.trim().slice(0, 200) : '';
    const orderBy = q.order_by === 'name' ? 'name' : 'created_at';
    const pageNo = Math.min(Math.max(1, Number.parseInt(q.page ?? '1', 10) || 1), 1_000_000);
    try {
      const { data, total } = await clients.list(who.actor, { page: pageNo, perPage: PER_PAGE, filter, orderBy });
      const stats = new Map(data.map((c) => [c.id, c.stats]));
      return await page(request, reply, who.user, 'Auth Clients', clientListBody({ clients: data, stats, total, page: pageNo, perPage: PER_PAGE, filter, orderBy, can: permissionsOf(who.actor) }));
    } catch (err) {
      return session.fail(request, reply, who.user, err);
    }
  });

  app.get('/admin/auth-clients/new', async (request, reply) => {
    const who = await guard(request, reply, 'create');
    if (!who) return reply;
    const csrf = csrfToken(request, reply);
    return page(request, reply, who.user, 'Create Auth Client', clientFormBody({ mode: 'create', values: EMPTY_FORM, errors: {}, csrf, can: permissionsOf(who.actor) }), null, csrf);
  });

  app.post('/admin/auth-clients', { preHandler: csrfCheck(app) }, async (request, reply) => {
    const who = await guard(request, reply, 'create');
    if (!who) return reply;
    const { values, request: body } = readForm(request.body, 'create', who.user.administrator);
    try {
      const { client, secret } = await clients.create(who.actor, body);
      const flash: Flash = { kind: 'success', message: `Auth Client “${client.name}” was created.` };
      if (!secret) {
        session.setFlash(reply, flash);
        return reply.redirect('/admin/auth-clients', 303);
      }
      // The secret is shown in this response only: never in a URL, a cookie or the store.
      reply.header('cache-control', 'no-store');
      return await page(request, reply, who.user, 'Auth Client created', secretShownBody({ client, secret, created: true }), flash);
    } catch (err) {
      if (err instanceof ValidationError) {
        const csrf = csrfToken(request, reply);
        reply.code(422);
        return page(request, reply, who.user, 'Create Auth Client', clientFormBody({ mode: 'create', values, errors: err.errors, csrf, can: permissionsOf(who.actor) }), null, csrf);
      }
      return session.fail(request, reply, who.user, err);
    }
  });

  app.get<IdRoute>('/admin/auth-clients/:id/edit', async (request, reply) => {
    const who = await guard(request, reply, 'edit');
    if (!who) return reply;
    try {
      const client = await clients.get(who.actor, request.params.id, 'edit');
      const csrf = csrfToken(request, reply);
      return await page(request, reply, who.user, 'Edit Auth Client', clientFormBody({ mode: 'edit', client, values: formValuesOf(client), errors: {}, csrf, can: permissionsOf(who.actor) }), undefined, csrf);
    } catch (err) {
      return session.fail(request, reply, who.user, err);
    }
  });

  app.post<IdRoute>('/admin/auth-clients/:id', { preHandler: csrfCheck(app) }, async (request, reply) => {
    const who = await guard(request, reply, 'edit');
    if (!who) return reply;
    const { values, request: body } = readForm(request.body, 'edit', who.user.administrator);
    try {
      const { client } = await clients.update(who.actor, request.params.id, body);
      session.setFlash(reply, { kind: 'success', message: `Auth Client “${client.name}” was saved.` });
      return reply.redirect('/admin/auth-clients', 303);
    } catch (err) {
      if (err instanceof ValidationError) {
        try {
          const client = await clients.get(who.actor, request.params.id, 'edit');
          const csrf = csrfToken(request, reply);
          reply.code(422);
          const shown = { ...values, publicClient: !client.confidential };
          return await page(request, reply, who.user, 'Edit Auth Client', clientFormBody({ mode: 'edit', client, values: shown, errors: err.errors, csrf, can: permissionsOf(who.actor) }), null, csrf);
        } catch (again) {
          return session.fail(request, reply, who.user, again);
        }
      }
      return session.fail(request, reply, who.user, err);
    }
  });

  app.post<IdRoute>('/admin/auth-clients/:id/secret', { preHandler: csrfCheck(app) }, async (request, reply) => {
    const who = await guard(request, reply, 'edit');
    if (!who) return reply;
    const grace = Math.min(Math.max(0, Number.parseInt(formField(request.body, 'grace_period'), 10) || 0), MAX_GRACE_PERIOD_SECONDS);
    try {
      const { client, secret } = await clients.regenerateSecret(who.actor, request.params.id, grace);
      reply.header('cache-control', 'no-store');
      const message = grace > 0 ? `A new secret was issued. The old one keeps working for ${grace / 3600} hour${grace === 3600 ? '' : 's'}.` : 'A new secret was issued. The old one no longer works.';
      return await page(request, reply, who.user, 'New client secret', secretShownBody({ client, secret, created: false }), { kind: 'success', message });
    } catch (err) {
      if (err instanceof ValidationError) {
        session.setFlash(reply, { kind: 'error', message: err.message });
        return reply.redirect(`/admin/auth-clients/${encodeURIComponent(request.params.id)}/edit`, 303);
      }
      return session.fail(request, reply, who.user, err);
    }
  });

  app.get<IdRoute>('/admin/auth-clients/:id/delete', async (request, reply) => {
    const who = await guard(request, reply, 'delete');
    if (!who) return reply;
    try {
      const client = await clients.get(who.actor, request.params.id, 'delete');
      const csrf = csrfToken(request, reply);
      return await page(request, reply, who.user, 'Delete Auth Client', deleteConfirmBody({ client, activeTokens: client.stats.activeTokens, csrf }), null, csrf);
    } catch (err) {
      return session.fail(request, reply, who.user, err);
    }
  });

  app.post<IdRoute>('/admin/auth-clients/:id/delete', { preHandler: csrfCheck(app) }, async (request, reply) => {
    const who = await guard(request, reply, 'delete');
    if (!who) return reply;
    try {
      const { name, tokensEnded } = await clients.delete(who.actor, request.params.id);
      const tokens = tokensEnded === 0 ? '' : ` ${tokensEnded} active token${tokensEnded === 1 ? '' : 's'} stopped working.`;
      session.setFlash(reply, { kind: 'success', message: `Auth Client “${name}” was deleted.${tokens}` });
      return reply.redirect('/admin/auth-clients', 303);
    } catch (err) {
      return session.fail(request, reply, who.user, err);
    }
  });
}
