/**
 * The Auth Clients console at /admin/auth-clients. Pages are plain forms (session + CSRF), so the
 * console works without script and by keyboard; app.js adds Copy buttons and the Redirect URL /
 * password-warning toggles. Storing, validation and audit are the API's service functions, so
 * the console and the REST API cannot drift.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../../../api/errors.js';
import { createClientFor, deleteClientFor, MAX_GRACE_PERIOD_SECONDS, regenerateSecretFor, updateClientFor } from '../../../api/routes/clients.js';
import type { Context } from '../../../context.js';
import type { User } from '../../../store/user-store.js';
import { csrfCheck, csrfToken } from '../../plugins/security.js';
import { requirePageUser, setFlash, takeFlash } from '../../plugins/session.js';
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

function permissionsOf(user: User): ClientPermissions {
  const has = (p: string) => user.administrator || user.permissions.includes(p as never);
  return {
    view: has('view-auth_clients'),
    create: has('create-auth_clients'),
    edit: has('edit-auth_clients'),
    delete: has('delete-auth_clients'),
    administrator: user.administrator,
  };
}

function principalOf(user: User) {
  return { userId: user.id, username: user.username, clientId: null, administrator: user.administrator };
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
  if (administrator) Object.assign(request, { trusted: values.trusted, introspect_all: values.introspectAll, permissions: values.permissions });
  return { values, request };
}

export async function adminAuthClientRoutes(app: FastifyInstance, ctx: Context): Promise<void> {
  /** The signed-in user if allowed `action`; otherwise the reply is sent (login redirect or 403) and null returned. */
  const guard = async (request: FastifyRequest, reply: FastifyReply, action: Action): Promise<User | null> => {
    const user = await requirePageUser(ctx, request, reply);
    if (!user) return null;
    if (!permissionsOf(user)[action]) {
      await reply
        .code(403)
        .type('text/html; charset=utf-8')
        .send(renderErrorPage('Not allowed', 'You do not have permission to do this with Auth Clients.', user, csrfToken(request, reply)));
      return null;
    }
    return user;
  };

  const page = (request: FastifyRequest, reply: FastifyReply, user: User, title: string, body: Html, flash?: Flash | null, csrf?: string) =>
    reply.type('text/html; charset=utf-8').send(
      renderPage({ title, body, user, csrfToken: csrf ?? csrfToken(request, reply), flash: flash ?? takeFlash(ctx, request, reply), active: 'auth-clients' }),
    );

  const notFoundPage = (request: FastifyRequest, reply: FastifyReply, user: User) =>
    reply.code(404).type('text/html; charset=utf-8').send(renderErrorPage('Auth Client not found', 'It may have been deleted.', user, csrfToken(request, reply)));

  /** Maps a service error: 404 page, 403 page, or rethrows (422 is handled by the caller). */
  const failed = (request: FastifyRequest, reply: FastifyReply, user: User, err: unknown) => {
    if (err instanceof ApiError && err.statusCode === 404) return notFoundPage(request, reply, user);
    if (err instanceof ApiError && err.statusCode === 403) {
      return reply.code(403).type('text/html; charset=utf-8').send(renderErrorPage('Not allowed', err.message, user, csrfToken(request, reply)));
    }
    throw err;
  };

  app.get('/admin/auth-clients', async (request: FastifyRequest<{ Querystring: Record<string, string | undefined> }>, reply) => {
    const user = await guard(request, reply, 'view');
    if (!user) return reply;
    const q = request.query;
    const filter = typeof q.filter === 'string' ? q.filter.trim().slice(0, 200) : '';
    const orderBy = q.order_by === 'name' ? 'name' : 'created_at';
    const pageNo = Math.min(Math.max(1, Number.parseInt(q.page ?? '1', 10) || 1), 1_000_000);
    const { data, total } = await ctx.clients.list({ page: pageNo, perPage: PER_PAGE, filter, orderBy });
    const stats = await ctx.clients.tokenStats(data.map((c) => c.id));
    return page(request, reply, user, 'Auth Clients', clientListBody({ clients: data, stats, total, page: pageNo, perPage: PER_PAGE, filter, orderBy, can: permissionsOf(user) }));
  });

  app.get('/admin/auth-clients/new', async (request, reply) => {
    const user = await guard(request, reply, 'create');
    if (!user) return reply;
    const csrf = csrfToken(request, reply);
    return page(request, reply, user, 'Create Auth Client', clientFormBody({ mode: 'create', values: EMPTY_FORM, errors: {}, csrf, can: permissionsOf(user) }), null, csrf);
  });

  app.post('/admin/auth-clients', { preHandler: csrfCheck(app) }, async (request, reply) => {
    const user = await guard(request, reply, 'create');
    if (!user) return reply;
    const { values, request: body } = readForm(request.body, 'create', user.administrator);
    try {
      const { client, secret } = await createClientFor(ctx, principalOf(user), body);
      const flash: Flash = { kind: 'success', message: `Auth Client “${client.name}” was created.` };
      if (!secret) {
        setFlash(ctx, reply, flash);
        return reply.redirect('/admin/auth-clients', 303);
      }
      // The secret is shown in this response only: never in a URL, a cookie or the store.
      reply.header('cache-control', 'no-store');
      return page(request, reply, user, 'Auth Client created', secretShownBody({ client, secret, created: true }), flash);
    } catch (err) {
      if (err instanceof ApiError && err.statusCode === 422) {
        const csrf = csrfToken(request, reply);
        reply.code(422);
        return page(request, reply, user, 'Create Auth Client', clientFormBody({ mode: 'create', values, errors: (err.errors ?? {}), csrf, can: permissionsOf(user) }), null, csrf);
      }
      return failed(request, reply, user, err);
    }
  });

  app.get<IdRoute>('/admin/auth-clients/:id/edit', async (request, reply) => {
    const user = await guard(request, reply, 'edit');
    if (!user) return reply;
    const client = await ctx.clients.findById(request.params.id);
    if (!client) return notFoundPage(request, reply, user);
    const csrf = csrfToken(request, reply);
    return page(request, reply, user, 'Edit Auth Client', clientFormBody({ mode: 'edit', client, values: formValuesOf(client), errors: {}, csrf, can: permissionsOf(user) }), undefined, csrf);
  });

  app.post<IdRoute>('/admin/auth-clients/:id', { preHandler: csrfCheck(app) }, async (request, reply) => {
    const user = await guard(request, reply, 'edit');
    if (!user) return reply;
    const { values, request: body } = readForm(request.body, 'edit', user.administrator);
    try {
      const client = await updateClientFor(ctx, principalOf(user), request.params.id, body);
      setFlash(ctx, reply, { kind: 'success', message: `Auth Client “${client.name}” was saved.` });
      return reply.redirect('/admin/auth-clients', 303);
    } catch (err) {
      if (err instanceof ApiError && err.statusCode === 422) {
        const client = await ctx.clients.findById(request.params.id);
        if (!client) return notFoundPage(request, reply, user);
        const csrf = csrfToken(request, reply);
        reply.code(422);
        const shown = { ...values, publicClient: !client.confidential };
        return page(request, reply, user, 'Edit Auth Client', clientFormBody({ mode: 'edit', client, values: shown, errors: (err.errors ?? {}), csrf, can: permissionsOf(user) }), null, csrf);
      }
      return failed(request, reply, user, err);
    }
  });

  app.post<IdRoute>('/admin/auth-clients/:id/secret', { preHandler: csrfCheck(app) }, async (request, reply) => {
    const user = await guard(request, reply, 'edit');
    if (!user) return reply;
    const grace = Math.min(Math.max(0, Number.parseInt(formField(request.body, 'grace_period'), 10) || 0), MAX_GRACE_PERIOD_SECONDS);
    try {
      const { client, secret } = await regenerateSecretFor(ctx, principalOf(user), request.params.id, grace);
      reply.header('cache-control', 'no-store');
      const message = grace > 0 ? `A new secret was issued. The old one keeps working for ${grace / 3600} hour${grace === 3600 ? '' : 's'}.` : 'A new secret was issued. The old one no longer works.';
      return page(request, reply, user, 'New client secret', secretShownBody({ client, secret, created: false }), { kind: 'success', message });
    } catch (err) {
      if (err instanceof ApiError && err.statusCode === 422) {
        setFlash(ctx, reply, { kind: 'error', message: 'A public client has no secret.' });
        return reply.redirect(`/admin/auth-clients/${encodeURIComponent(request.params.id)}/edit`, 303);
      }
      return failed(request, reply, user, err);
    }
  });

  app.get<IdRoute>('/admin/auth-clients/:id/delete', async (request, reply) => {
    const user = await guard(request, reply, 'delete');
    if (!user) return reply;
    const client = await ctx.clients.findById(request.params.id);
    if (!client) return notFoundPage(request, reply, user);
    const stats = await ctx.clients.tokenStats([client.id]);
    const csrf = csrfToken(request, reply);
    return page(request, reply, user, 'Delete Auth Client', deleteConfirmBody({ client, activeTokens: stats.get(client.id)?.activeTokens ?? 0, csrf }), null, csrf);
  });

  app.post<IdRoute>('/admin/auth-clients/:id/delete', { preHandler: csrfCheck(app) }, async (request, reply) => {
    const user = await guard(request, reply, 'delete');
    if (!user) return reply;
    try {
      const { name, tokensEnded } = await deleteClientFor(ctx, principalOf(user), request.params.id);
      const tokens = tokensEnded === 0 ? '' : ` ${tokensEnded} active token${tokensEnded === 1 ? '' : 's'} stopped working.`;
      setFlash(ctx, reply, { kind: 'success', message: `Auth Client “${name}” was deleted.${tokens}` });
      return reply.redirect('/admin/auth-clients', 303);
    } catch (err) {
      return failed(request, reply, user, err);
    }
  });
}
