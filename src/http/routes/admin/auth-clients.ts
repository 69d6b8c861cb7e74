/**
 * The Auth Clients console at /admin/auth-clients: the list, the create and edit forms, each
 * client's page, and the confirmations (delete, a save that ends tokens, a new secret). Plain forms
 * (session + CSRF), post/redirect/get everywhere: a secret made by a POST is kept sealed as a
 * one-time result and shown once by the page the browser is sent to, so a reload never acts again.
 * Who may do what, validation, storing and audit are the clients service's, so the console, the
 * REST API and the CLI cannot drift.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../../config.js';
import { MAX_GRACE_PERIOD_SECONDS } from '../../../domain/client-rules.js';
import type { Actor, UserActor } from '../../../services/actor.js';
import type { ClientService } from '../../../services/clients.js';
import { nullIfNotFound, ValidationError } from '../../../services/errors.js';
import type { OneTimeResultService } from '../../../services/one-time-results.js';
import type { ScopeService } from '../../../services/scopes.js';
import { may } from '../../../services/policy.js';
import type { User } from '../../../store/user-store.js';
import { FORM_EXPIRED } from '../../expired-forms.js';
import { formList, formText } from '../../form-fields.js';
import { pastLastPage, readPaging, listUrl } from '../../paging.js';
import { safeNextPath } from '../../plugins/session.js';
import { csrfCheck, csrfToken } from '../../plugins/security.js';
import type { Html } from '../../views/html.js';
import { renderErrorPage, renderPage, type Flash } from '../../views/layout.js';
import { authorizationServerMetadata } from '../system.js';
import { clientListBody } from './auth-client-list-view.js';
import { clientPageBody, createdOnlyBody } from './auth-client-page-view.js';
import {
  clientFormBody,
  clientPath,
  CLIENTS_PATH,
  deleteConfirmBody,
  EMPTY_FORM,
  formValuesOf,
  secretConfirmBody,
  updateConfirmBody,
  type ClientFormValues,
  type ClientPermissions,
} from './auth-client-views.js';

type Action = 'view' | 'create' | 'edit' | 'delete';
interface IdRoute {
  Params: { id: string };
}
type Who = { user: User; actor: UserActor };

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

/** The list to return to: a local address of the clients list only (never off-site). */
function backOf(source: unknown): string | undefined {
  const back = safeNextPath(formText(source, 'back'));
  return back !== null && (back === CLIENTS_PATH || back.startsWith(`${CLIENTS_PATH}?`)) ? back : undefined;
}

/** The posted form as form values (to show again) and as an API request body. */
function readForm(body: unknown, mode: 'create' | 'edit', administrator: boolean): { values: ClientFormValues; request: Record<string, unknown> } {
  const values: ClientFormValues = {
    name: formText(body, 'name'),
    types: formList(body, 'types'),
    redirect: formText(body, 'redirect'),
    publicClient: formText(body, 'public') === '1',
    trusted: formText(body, 'trusted') === '1',
    introspectAll: formText(body, 'introspect_all') === '1',
    permissions: formList(body, 'permissions'),
    requirePkce: formText(body, 'require_pkce') === '1',
    allowedOrigins: formText(body, 'allowed_origins'),
    scopes: formList(body, 'scopes'),
  };
  const request: Record<string, unknown> = {
    name: values.name,
    types: values.types,
    redirect: values.redirect,
    require_pkce: values.requirePkce,
    allowed_origins: values.allowedOrigins,
  };
  // The Allowed scopes list was on the form (a form without it keeps the client's scopes).
  if (formText(body, 'scopes_shown') === '1') request.scopes = values.scopes;
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

/** The posted fields to carry through the save confirmation (everything but the CSRF token). */
function carried(body: unknown): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const name of ['name', 'redirect', 'trusted', 'introspect_all', 'require_pkce', 'allowed_origins', 'back', 'scopes_shown']) {
    const v = formText(body, name);
    if (v !== '') out[name] = v;
  }
  for (const name of ['types', 'permissions', 'scopes']) out[name] = formList(body, name);
  return out;
}

export interface AuthClientRouteDeps {
  readonly clients: ClientService;
  readonly oneTimeResults: OneTimeResultService;
  readonly scopes: Pick<ScopeService, 'catalog'>;
  readonly config: Pick<Config, 'issuer'>;
}

export async function adminAuthClientRoutes(app: FastifyInstance, { clients, oneTimeResults, scopes, config }: AuthClientRouteDeps): Promise<void> {
  const session = app.consoleSession;
  const metadata = authorizationServerMetadata(config.issuer, []);
  const metadataUrl = `${config.issuer}/.well-known/oauth-authorization-server`;

  /** The signed-in user if allowed one of `actions`; otherwise the reply is sent (login redirect or 403) and null returned. */
  const guard = async (request: FastifyRequest, reply: FastifyReply, ...actions: Action[]): Promise<Who | null> => {
    const user = await session.requireUser(request, reply);
    if (!user) return null;
    const actor = session.actor(request, user);
    const can = permissionsOf(actor);
    if (!actions.some((a) => can[a])) {
      await reply
        .code(403)
        .type('text/html; charset=utf-8')
        .send(renderErrorPage('Not allowed', 'You do not have permission to do this with Auth Clients.', user, csrfToken(request, reply)));
      return null;
    }
    return { user, actor };
  };

  const page = (request: FastifyRequest, reply: FastifyReply, user: User, title: string, body: Html, options: { flash?: Flash | null; csrf?: string; narrow?: boolean } = {}) =>
    reply.type('text/html; charset=utf-8').send(
      renderPage({
        title,
        body,
        user,
        csrfToken: options.csrf ?? csrfToken(request, reply),
        flash: options.flash === undefined ? session.takeFlash(request, reply) : options.flash,
        active: 'auth-clients',
        ...(options.narrow ? { narrow: true } : {}),
      }),
    );

  /** The create form, fresh, with errors, or after its CSRF token expired (then with a notice). */
  const createForm = async (request: FastifyRequest, reply: FastifyReply, who: Who, values: ClientFormValues, errors: Record<string, string[]>, notice?: string) => {
    const csrf = csrfToken(request, reply);
    const body = clientFormBody({ mode: 'create', values, errors, csrf, can: permissionsOf(who.actor), scopeOptions: await scopes.catalog(), ...(notice ? { notice } : {}) });
    return page(request, reply, who.user, 'Create Auth Client', body, { flash: null, csrf });
  };

  /** The edit form for the client in the URL, with the posted values and errors. */
  const editForm = async (request: FastifyRequest<IdRoute>, reply: FastifyReply, who: Who, posted: { values: ClientFormValues; errors: Record<string, string[]> } | null, notice?: string) => {
    try {
      const client = await clients.get(who.actor, request.params.id, 'edit');
      const csrf = csrfToken(request, reply);
      const values = posted ? { ...posted.values, publicClient: !client.confidential } : formValuesOf(client);
      const back = backOf(posted ? request.body : request.query);
      const body = clientFormBody({ mode: 'edit', client, values, errors: posted?.errors ?? {}, csrf, can: permissionsOf(who.actor), scopeOptions: await scopes.catalog(), ...(back ? { back } : {}), ...(notice ? { notice } : {}) });
      return await page(request, reply, who.user, 'Edit Auth Client', body, { flash: posted ? null : undefined, csrf });
    } catch (err) {
      return session.fail(request, reply, who.user, err);
    }
  };

  app.get(CLIENTS_PATH, async (request: FastifyRequest<{ Querystring: Record<string, string | undefined> }>, reply) => {
    const who = await guard(request, reply, 'view');
    if (!who) return reply;
    const q = request.query;
    const filter = typeof q.filter === 'string' ? q.filter.trim().slice(0, 200) : '';
    const orderBy = q.order_by === 'name' ? 'name' : 'created_at';
    const paging = readPaging(q);
    const query = { filter, order_by: orderBy === 'name' ? 'name' : undefined };
    const can = permissionsOf(who.actor);
    const self = listUrl(CLIENTS_PATH, query, paging);
    try {
      const { data, total } = await clients.list(who.actor, { page: paging.page, perPage: paging.perPage, filter, orderBy });
      const past = pastLastPage(CLIENTS_PATH, query, paging, total);
      if (past) return await reply.redirect(past, 303);
      const stats = new Map(data.map((c) => [c.id, c.stats]));
      return await page(request, reply, who.user, 'Auth Clients', clientListBody({ clients: data, stats, total, ...paging, filter, orderBy, can, self }));
    } catch (err) {
      if (!(err instanceof ValidationError)) return session.fail(request, reply, who.user, err);
      reply.code(422);
      const body = clientListBody({ clients: [], stats: new Map(), total: 0, ...paging, filter, orderBy, can, self, filterErrors: Object.values(err.errors).flat() });
      return page(request, reply, who.user, 'Auth Clients', body);
    }
  });

  app.get(`${CLIENTS_PATH}/new`, async (request, reply) => {
    const who = await guard(request, reply, 'create');
    if (!who) return reply;
    return createForm(request, reply, who, EMPTY_FORM, {});
  });

  /** Who may use a form whose CSRF token expired: only a signed-in user allowed `action` sees it again. */
  const expiredWho = async (request: FastifyRequest, action: Action): Promise<Who | null> => {
    const user = await session.user(request);
    const actor = user && session.actor(request, user);
    return user && actor && permissionsOf(actor)[action] ? { user, actor } : null;
  };

  const expiredCreate = async (request: FastifyRequest, reply: FastifyReply) => {
    const who = await expiredWho(request, 'create');
    if (!who) return false;
    await createForm(request, reply, who, readForm(request.body, 'create', who.user.administrator).values, {}, FORM_EXPIRED);
    return true;
  };

  app.post(CLIENTS_PATH, { preHandler: csrfCheck(app), config: { expiredForm: expiredCreate } }, async (request, reply) => {
    const who = await guard(request, reply, 'create');
    if (!who) return reply;
    const { values, request: body } = readForm(request.body, 'create', who.user.administrator);
    try {
      const { client, secret } = await clients.create(who.actor, body);
      session.setFlash(reply, { kind: 'success', message: `Auth Client “${client.name}” was created.` });
      if (!secret) return await reply.redirect(clientPath(client.id), 303);
      const shown = await oneTimeResults.keep(who.actor, { kind: 'client_secret', clientId: client.id, name: client.name, secret, created: true, graceSeconds: 0 });
      return await reply.redirect(clientPath(client.id, { shown }), 303);
    } catch (err) {
      if (!(err instanceof ValidationError)) return session.fail(request, reply, who.user, err);
      reply.code(422);
      return createForm(request, reply, who, values, err.errors);
    }
  });

  app.get<IdRoute & { Querystring: Record<string, string | undefined> }>(`${CLIENTS_PATH}/:id`, async (request, reply) => {
    const who = await guard(request, reply, 'view', 'create', 'edit');
    if (!who) return reply;
    // A page that may show a secret is never kept by the browser or a proxy.
    reply.header('Cache-Control', 'no-store');
    const shownId = typeof request.query.shown === 'string' ? request.query.shown : undefined;
    const result = shownId !== undefined ? await oneTimeResults.take(who.actor, shownId) : null;
    const found = result?.kind === 'client_secret' && result.clientId === request.params.id ? result : null;
    const secret = shownId === undefined ? undefined : found ? { value: found.secret, created: found.created } : ('gone' as const);
    const can = permissionsOf(who.actor);
    if (!can.view && !can.edit) {
      // Someone who may create clients but not see them still gets what they just made, once.
      return page(request, reply, who.user, 'Auth Client created', createdOnlyBody({ id: request.params.id, name: found?.name ?? 'Auth Client', secret: secret ?? 'gone' }));
    }
    try {
      const client = await clients.get(who.actor, request.params.id, can.view ? 'view' : 'edit');
      const back = backOf(request.query);
      const body = clientPageBody({ client, metadata, metadataUrl, userId: who.user.id, can, ...(secret !== undefined ? { secret } : {}), ...(back ? { back } : {}) });
      return await page(request, reply, who.user, client.name, body);
    } catch (err) {
      return session.fail(request, reply, who.user, err);
    }
  });

  app.get<IdRoute>(`${CLIENTS_PATH}/:id/edit`, async (request, reply) => {
    const who = await guard(request, reply, 'edit');
    return who ? editForm(request, reply, who, null) : reply;
  });

  const expiredEdit = async (request: FastifyRequest, reply: FastifyReply) => {
    const who = await expiredWho(request, 'edit');
    const { id } = (request as FastifyRequest<IdRoute>).params;
    if (!who || !(await clients.get(who.actor, id, 'edit').catch(nullIfNotFound))) return false;
    await editForm(request as FastifyRequest<IdRoute>, reply, who, { values: readForm(request.body, 'edit', who.user.administrator).values, errors: {} }, FORM_EXPIRED);
    return true;
  };

  app.post<IdRoute>(`${CLIENTS_PATH}/:id`, { preHandler: csrfCheck(app), config: { expiredForm: expiredEdit } }, async (request, reply) => {
    const who = await guard(request, reply, 'edit');
    if (!who) return reply;
    const { values, request: body } = readForm(request.body, 'edit', who.user.administrator);
    const back = backOf(request.body);
    try {
      // Before a save that revokes tokens for good, or drops the redirect URLs, show what it ends.
      if (formText(request.body, 'confirmed') !== '1') {
        const preview = await clients.previewUpdate(who.actor, request.params.id, body);
        const dropsRedirects = preview.typesRemoved.includes('authorization_code_grant') && preview.redirectRemoved.length > 0;
        if (preview.tokensEnded > 0 || dropsRedirects) {
          const csrf = csrfToken(request, reply);
          const confirm = updateConfirmBody({ preview, csrf, fields: carried(request.body), cancelHref: `${clientPath(preview.client.id)}/edit${back ? `?back=${encodeURIComponent(back)}` : ''}` });
          return await page(request, reply, who.user, 'Save Auth Client', confirm, { flash: null, csrf, narrow: false });
        }
      }
      const { client, tokensRevoked } = await clients.update(who.actor, request.params.id, body);
      const ended = tokensRevoked === 0 ? '' : ` ${tokensRevoked} active token${tokensRevoked === 1 ? '' : 's'} stopped working.`;
      session.setFlash(reply, { kind: 'success', message: `Auth Client “${client.name}” was saved.${ended}` });
      return await reply.redirect(clientPath(client.id, back ? { back } : {}), 303);
    } catch (err) {
      if (!(err instanceof ValidationError)) return session.fail(request, reply, who.user, err);
      reply.code(422);
      return editForm(request, reply, who, { values, errors: err.errors });
    }
  });

  app.get<IdRoute>(`${CLIENTS_PATH}/:id/secret`, async (request, reply) => {
    const who = await guard(request, reply, 'edit');
    if (!who) return reply;
    try {
      const client = await clients.get(who.actor, request.params.id, 'edit');
      if (!client.confidential) {
        session.setFlash(reply, { kind: 'error', message: 'A public client has no secret to regenerate.' });
        return await reply.redirect(clientPath(client.id), 303);
      }
      const csrf = csrfToken(request, reply);
      return await page(request, reply, who.user, 'Regenerate secret', secretConfirmBody({ client, csrf }), { flash: null, csrf });
    } catch (err) {
      return session.fail(request, reply, who.user, err);
    }
  });

  app.post<IdRoute>(`${CLIENTS_PATH}/:id/secret`, { preHandler: csrfCheck(app) }, async (request, reply) => {
    const who = await guard(request, reply, 'edit');
    if (!who) return reply;
    const raw = formText(request.body, 'grace_period');
    const grace = /^\d{1,6}$/.test(raw) ? Math.min(Number(raw), MAX_GRACE_PERIOD_SECONDS) : 0;
    try {
      const { client, secret } = await clients.regenerateSecret(who.actor, request.params.id, grace);
      const hours = grace / 3600;
      const message = grace > 0 ? `A new secret was issued. The old one keeps working for ${hours} hour${hours === 1 ? '' : 's'}.` : 'A new secret was issued. The old one no longer works.';
      session.setFlash(reply, { kind: 'success', message });
      const shown = await oneTimeResults.keep(who.actor, { kind: 'client_secret', clientId: client.id, name: client.name, secret, created: false, graceSeconds: grace });
      return await reply.redirect(clientPath(client.id, { shown }), 303);
    } catch (err) {
      if (!(err instanceof ValidationError)) return session.fail(request, reply, who.user, err);
      session.setFlash(reply, { kind: 'error', message: err.message });
      return reply.redirect(clientPath(request.params.id), 303);
    }
  });

  app.get<IdRoute>(`${CLIENTS_PATH}/:id/delete`, async (request, reply) => {
    const who = await guard(request, reply, 'delete');
    if (!who) return reply;
    try {
      const client = await clients.get(who.actor, request.params.id, 'delete');
      const csrf = csrfToken(request, reply);
      const back = backOf(request.query);
      return await page(request, reply, who.user, 'Delete Auth Client', deleteConfirmBody({ client, activeTokens: client.stats.activeTokens, csrf, ...(back ? { back } : {}) }), { flash: null, csrf });
    } catch (err) {
      return session.fail(request, reply, who.user, err);
    }
  });

  app.post<IdRoute>(`${CLIENTS_PATH}/:id/delete`, { preHandler: csrfCheck(app) }, async (request, reply) => {
    const who = await guard(request, reply, 'delete');
    if (!who) return reply;
    try {
      const { name, tokensEnded } = await clients.delete(who.actor, request.params.id);
      const tokens = tokensEnded === 0 ? '' : ` ${tokensEnded} active token${tokensEnded === 1 ? '' : 's'} stopped working.`;
      session.setFlash(reply, { kind: 'success', message: `Auth Client “${name}” was deleted.${tokens}` });
      return await reply.redirect(backOf(request.body) ?? CLIENTS_PATH, 303);
    } catch (err) {
      return session.fail(request, reply, who.user, err);
    }
  });
}
