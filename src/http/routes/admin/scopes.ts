/**
 * The scope catalog console page at /admin/scopes (administrators): the list, **+ Scope** (fields
 * **Name** and **Description**, **Save**), and **Delete** on each row, then **Confirm**. Every
 * change goes through the scopes service and ends with a redirect (post/redirect/get).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SCOPE_DESCRIPTION_MAX_LENGTH, SCOPE_NAME_MAX_LENGTH } from '../../../domain/scope.js';
import type { UserActor } from '../../../services/actor.js';
import { nullIfNotFound, ValidationError } from '../../../services/errors.js';
import type { ScopeService } from '../../../services/scopes.js';
import type { User } from '../../../store/user-store.js';
import { FORM_EXPIRED } from '../../expired-forms.js';
import { formText } from '../../form-fields.js';
import { csrfCheck, csrfToken } from '../../plugins/security.js';
import { confirmCard, emptyRow, hiddenCsrf, textField, type FormErrors } from '../../views/components.js';
import { formatDate, html } from '../../views/html.js';
import { renderPage } from '../../views/layout.js';

const BASE = '/admin/scopes';

interface ScopeFormValues {
  readonly name: string;
  readonly description: string;
}

const scopePath = (name: string) => `${BASE}/${encodeURIComponent(name)}`;

export async function adminScopeRoutes(app: FastifyInstance, { scopes }: { scopes: ScopeService }): Promise<void> {
  const session = app.consoleSession;
  const html200 = (reply: FastifyReply) => reply.type('text/html; charset=utf-8');
  const admin = async (request: FastifyRequest, reply: FastifyReply): Promise<{ me: User; actor: UserActor } | null> => {
    const me = await session.requireAdmin(request, reply);
    return me ? { me, actor: session.actor(request, me) } : null;
  };

  app.get(BASE, async (request, reply) => {
    const who = await admin(request, reply);
    if (!who) return reply;
    const data = await scopes.list(who.actor);
    const csrf = csrfToken(request, reply);
    const body = html`<div class="page-header"><h1>Scopes</h1><a class="btn btn-primary" href="${BASE}/new">+ Scope</a></div>
<p class="muted lead">Custom scopes for your own APIs, checked by <code>/gateway/check</code> and reported by introspection. <code>api</code> and <code>api:read</code> are built in (Keygate's own API).</p>
<div class="table-wrap"><table class="stacked">
<caption class="visually-hidden">Custom scopes</caption>
<thead><tr><th scope="col">Name</th><th scope="col">Description</th><th scope="col">Created</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
<tbody>
${data.length === 0 ? emptyRow(4, 'No custom scopes yet: add one with + Scope, then allow it on an Auth Client.') : ''}
${data.map((s) => html`<tr><td data-label="Name"><code>${s.name}</code></td><td data-label="Description">${s.description}</td><td data-label="Created">${formatDate(s.createdAt)}</td>
<td class="row-actions"><a class="btn btn-danger btn-small" href="${scopePath(s.name)}/delete" aria-label="Delete ${s.name}">Delete</a></td></tr>`)}
</tbody></table></div>`;
    return html200(reply).send(renderPage({ title: 'Scopes', user: who.me, csrfToken: csrf, active: 'scopes', flash: session.takeFlash(request, reply), body }));
  });

  const newScopePage = (request: FastifyRequest, reply: FastifyReply, me: User, values: ScopeFormValues, errors: FormErrors, notice?: string) => {
    const csrf = csrfToken(request, reply);
    const body = html`<section class="card"><h1>New scope</h1>
${notice ? html`<div class="flash flash-info" role="status">${notice}</div>` : ''}
<form method="post" action="${BASE}" novalidate>${hiddenCsrf(csrf)}
${textField({ id: 'name', name: 'name', label: 'Name', value: values.name, required: true, maxlength: SCOPE_NAME_MAX_LENGTH, autocomplete: 'off', hint: 'Such as orders:read: up to 64 printable characters, no spaces, quotes or backslashes. It cannot be changed later.', ...(errors.name ? { errors: errors.name } : {}) })}
${textField({ id: 'description', name: 'description', label: 'Description', value: values.description, required: true, maxlength: SCOPE_DESCRIPTION_MAX_LENGTH, hint: 'What it allows, in plain words: users see it on the consent page.', ...(errors.description ? { errors: errors.description } : {}) })}
<div class="actions"><button type="submit" class="btn btn-primary">Save</button><a class="btn btn-secondary" href="${BASE}">Cancel</a></div></form></section>`;
    return renderPage({ title: 'New scope', user: me, csrfToken: csrf, active: 'scopes', body });
  };

  const readForm = (body: unknown): ScopeFormValues => ({ name: formText(body, 'name').trim().slice(0, 300), description: formText(body, 'description').slice(0, 2000) });

  app.get(`${BASE}/new`, async (request, reply) => {
    const who = await admin(request, reply);
    if (!who) return reply;
    return html200(reply).send(newScopePage(request, reply, who.me, { name: '', description: '' }, {}));
  });

  const expiredNewScope = async (request: FastifyRequest, reply: FastifyReply) => {
    const me = await session.user(request);
    if (!me?.administrator) return false;
    html200(reply).send(newScopePage(request, reply, me, readForm(request.body), {}, FORM_EXPIRED));
    return true;
  };

  app.post(BASE, { preHandler: csrfCheck(app), config: { expiredForm: expiredNewScope } }, async (request, reply) => {
    const who = await admin(request, reply);
    if (!who) return reply;
    const form = readForm(request.body);
    try {
      const scope = await scopes.create(who.actor, form);
      session.setFlash(reply, { kind: 'success', message: `Scope "${scope.name}" created. Allow it on the Auth Clients that may ask for it.` });
      return reply.redirect(BASE, 303);
    } catch (err) {
      if (!(err instanceof ValidationError)) return session.fail(request, reply, who.me, err);
      return html200(reply).code(422).send(newScopePage(request, reply, who.me, form, err.errors));
    }
  });

  app.get<{ Params: { name: string } }>(`${BASE}/:name/delete`, async (request, reply) => {
    const who = await admin(request, reply);
    if (!who) return reply;
    const scope = await scopes.get(who.actor, request.params.name).catch(nullIfNotFound);
    if (!scope) {
      session.setFlash(reply, { kind: 'error', message: 'That scope does not exist.' });
      return reply.redirect(BASE, 303);
    }
    const csrf = csrfToken(request, reply);
    const body = confirmCard({
      title: 'Delete scope',
      message: html`<p>Delete <code>${scope.name}</code>? It is removed at once from every Auth Client, consent and token that holds it; a token left with no scope is revoked. Creating the name again later gives nothing back.</p>`,
      action: `${scopePath(scope.name)}/delete`,
      csrf,
      cancelHref: BASE,
    });
    return html200(reply).send(renderPage({ title: 'Delete scope', user: who.me, csrfToken: csrf, active: 'scopes', narrow: true, body }));
  });

  app.post<{ Params: { name: string } }>(`${BASE}/:name/delete`, { preHandler: csrfCheck(app) }, async (request, reply) => {
    const who = await admin(request, reply);
    if (!who) return reply;
    const done = await scopes.delete(who.actor, request.params.name).catch(nullIfNotFound);
    session.setFlash(
      reply,
      done
        ? { kind: 'success', message: `Scope "${done.name}" deleted: removed from ${done.clients} client(s) and ${done.tokens} token(s); ${done.tokensRevoked} token(s) revoked.` }
        : { kind: 'error', message: 'That scope does not exist or was already deleted.' },
    );
    return reply.redirect(BASE, 303);
  });
}
