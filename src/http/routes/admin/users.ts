/**
 * Users (/admin/users, administrators): list with a filter, create, edit (administrator flag,
 * permissions, password), delete (their tokens end at once), and on each user's page their
 * personal access tokens, which the administrator can create and revoke. Every change goes
 * through the users and PAT services.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PERMISSIONS } from '../../../domain/permission.js';
import type { Actor, UserActor } from '../../../services/actor.js';
import { nullIfNotFound, ValidationError } from '../../../services/errors.js';
import type { PatService } from '../../../services/pats.js';
import type { UserService } from '../../../services/users.js';
import type { User } from '../../../store/user-store.js';
import { FORM_EXPIRED } from '../../expired-forms.js';
import { formList, formText } from '../../form-fields.js';
import { pastLastPage, readPaging } from '../../paging.js';
import { csrfCheck, csrfToken } from '../../plugins/security.js';
import { checkbox, confirmCard, emptyRow, hiddenCsrf, pagination, textField, type FormErrors } from '../../views/components.js';
import { formatDate, html, type HtmlValue } from '../../views/html.js';
import { renderPage, type Flash } from '../../views/layout.js';
import { PERMISSION_LABELS } from './auth-client-views.js';
import { defaultPatForm, patCreateForm, patReveal, patTable, readPatForm, submitPatForm, takePatResult, type PatConfig, type PatReveal, type PatFormValues } from '../../views/pats.js';
import type { OneTimeResultService } from '../../../services/one-time-results.js';

const BASE = '/admin/users';
const PAGE_SIZES = [20, 50, 100];

interface UserFormValues {
  readonly username: string;
  readonly administrator: boolean;
  readonly permissions: string[];
}

function userFields(values: UserFormValues, errors: FormErrors, creating: boolean): HtmlValue {
  return html`${creating ? textField({ id: 'username', name: 'username', label: 'Username', value: values.username, required: true, maxlength: 255, errors: errors.username, autocomplete: 'off' }) : ''}
${textField({ id: 'password', name: 'password', label: creating ? 'Password' : 'New password (leave empty to keep)', type: 'password', errors: errors.password, autocomplete: 'new-password', hint: creating ? 'At least 8 characters.' : "At least 8 characters. A new password ends the user's other sessions and revokes their access and refresh tokens." })}
${creating ? '' : checkbox({ id: 'revoke_pats', name: 'revoke_personal_access_tokens', value: '1', label: 'With a new password, also revoke their personal access tokens' })}
${checkbox({ id: 'administrator', name: 'administrator', value: '1', label: 'Administrator (all permissions, manages users and tokens)', checked: values.administrator })}
${errors.administrator ? html`<div class="field-error">${errors.administrator.join(' ')}</div>` : ''}
<fieldset><legend>Permissions</legend>
${PERMISSIONS.map((p) => checkbox({ id: `perm-${p}`, name: 'permissions', value: p, label: PERMISSION_LABELS[p] ?? p, checked: values.permissions.includes(p) }))}
</fieldset>`;
}

function readUserForm(body: unknown): UserFormValues & { password: string; revokePats: boolean } {
  return {
    username: formText(body, 'username').trim().slice(0, 300),
    password: formText(body, 'password'),
    administrator: formText(body, 'administrator') === '1',
    permissions: formList(body, 'permissions').filter((p) => (PERMISSIONS as readonly string[]).includes(p)),
    revokePats: formText(body, 'revoke_personal_access_tokens') === '1',
  };
}

export interface AdminUserDeps {
  readonly users: UserService;
  readonly pats: PatService;
  readonly oneTimeResults: OneTimeResultService;
  readonly config: PatConfig;
}

export async function adminUserRoutes(app: FastifyInstance, { users, pats, oneTimeResults, config }: AdminUserDeps): Promise<void> {
  const session = app.consoleSession;
  const html200 = (reply: FastifyReply) => reply.type('text/html; charset=utf-8');
  /** The signed-in administrator and who the services see, or null (the reply is sent). */
  const admin = async (request: FastifyRequest, reply: FastifyReply): Promise<{ me: User; actor: UserActor } | null> => {
    const me = await session.requireAdmin(request, reply);
    return me ? { me, actor: session.actor(request, me) } : null;
  };

  app.get<{ Querystring: { filter?: string; page?: string } }>(BASE, async (request, reply) => {
    const who = await admin(request, reply);
    if (!who) return reply;
    const filter = (request.query.filter ?? '').slice(0, 255);
    const paging = readPaging(request.query, PAGE_SIZES);
    const { data, total } = await users.list(who.actor, { ...paging, filter });
    const past = pastLastPage(BASE, { filter }, paging, total, PAGE_SIZES[0]);
    if (past) return reply.redirect(past, 303);
    const csrf = csrfToken(request, reply);
    const body = html`<div class="page-header"><h1>Users</h1><a class="btn btn-primary" href="${BASE}/new">+ User</a></div>
<form method="get" action="${BASE}" class="toolbar" role="search">
  ${textField({ id: 'filter', name: 'filter', label: 'Filter by username', type: 'search', value: filter })}
  <button type="submit" class="btn btn-secondary">Filter</button>
</form>
<div class="table-wrap"><table class="stacked">
<thead><tr><th scope="col">Username</th><th scope="col">Role</th><th scope="col">Permissions</th><th scope="col">Created</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
<tbody>
${data.length === 0 ? emptyRow(5, filter ? html`No user matches “${filter}”. <a href="${BASE}">Clear the filter</a>.` : 'No users yet.') : ''}
${data.map((u) => html`<tr><td data-label="Username"><a href="${BASE}/${u.id}">${u.username}</a></td><td data-label="Role">${u.administrator ? html`<span class="badge badge-purple">Administrator</span>` : 'User'}</td>
<td data-label="Permissions">${u.administrator ? 'All' : u.grantedPermissions.length ? u.grantedPermissions.map((p) => html`<span class="badge badge-gray">${p}</span>`) : html`<span class="muted">None</span>`}</td><td data-label="Created">${formatDate(u.createdAt)}</td>
<td class="row-actions"><a class="btn btn-secondary btn-small" href="${BASE}/${u.id}">Edit</a></td></tr>`)}
</tbody></table></div>
${pagination({ path: BASE, query: { filter }, ...paging, total, sizes: PAGE_SIZES })}`;
    return html200(reply).send(renderPage({ title: 'Users', user: who.me, csrfToken: csrf, active: 'users', flash: session.takeFlash(request, reply), body }));
  });

  const newUserPage = (request: FastifyRequest, reply: FastifyReply, me: User, values: UserFormValues, errors: FormErrors, notice?: string) => {
    const csrf = csrfToken(request, reply);
    const body = html`<section class="card"><h1>New user</h1>
${notice ? html`<div class="flash flash-info" role="status">${notice}</div>` : ''}
<form method="post" action="${BASE}" novalidate>${hiddenCsrf(csrf)}${userFields(values, errors, true)}
<div class="actions"><button type="submit" class="btn btn-primary">Save</button><a class="btn btn-secondary" href="${BASE}">Cancel</a></div></form></section>`;
    return renderPage({ title: 'New user', user: me, csrfToken: csrf, active: 'users', body });
  };

  app.get(`${BASE}/new`, async (request, reply) => {
    const who = await admin(request, reply);
    if (!who) return reply;
    return html200(reply).send(newUserPage(request, reply, who.me, { username: '', administrator: false, permissions: [] }, {}));
  });

  /** The signed-in administrator behind a form whose CSRF token expired, or null (then the plain page answers). */
  const expiredAdmin = async (request: FastifyRequest): Promise<{ me: User; actor: UserActor } | null> => {
    const me = await session.user(request);
    return me?.administrator ? { me, actor: session.actor(request, me) } : null;
  };

  const expiredNewUser = async (request: FastifyRequest, reply: FastifyReply) => {
    const who = await expiredAdmin(request);
    if (!who) return false;
    html200(reply).send(newUserPage(request, reply, who.me, readUserForm(request.body), {}, FORM_EXPIRED));
    return true;
  };

  app.post(BASE, { preHandler: csrfCheck(app), config: { expiredForm: expiredNewUser } }, async (request, reply) => {
    const who = await admin(request, reply);
    if (!who) return reply;
    const form = readUserForm(request.body);
    try {
      const user = await users.create(who.actor, { username: form.username, password: form.password, administrator: form.administrator, permissions: form.permissions });
      session.setFlash(reply, { kind: 'success', message: `User "${user.username}" created.` });
      return reply.redirect(`${BASE}/${user.id}`, 303);
    } catch (err) {
      if (!(err instanceof ValidationError)) return session.fail(request, reply, who.me, err);
      return html200(reply).code(422).send(newUserPage(request, reply, who.me, form, err.errors));
    }
  });

  const userPage = async (
    request: FastifyRequest,
    reply: FastifyReply,
    who: { me: User; actor: UserActor },
    user: User,
    extra: { values?: UserFormValues; errors?: FormErrors; patValues?: PatFormValues; patErrors?: FormErrors; reveal?: PatReveal; flash?: Flash | null; notice?: string; patNotice?: string } = {},
  ) => {
    const csrf = csrfToken(request, reply);
    const [{ data }, clients] = await Promise.all([pats.list(who.actor, user.id, { page: 1, perPage: 100 }), pats.patClients()]);
    const values = extra.values ?? { username: user.username, administrator: user.administrator, permissions: user.grantedPermissions };
    const body = html`<div class="page-header"><h1>User ${user.username}</h1><a class="btn btn-danger" href="${BASE}/${user.id}/delete">Delete user</a></div>
<section class="card"><h2>Account</h2>
${extra.notice ? html`<div class="flash flash-info" role="status">${extra.notice}</div>` : ''}
<form method="post" action="${BASE}/${user.id}" novalidate>${hiddenCsrf(csrf)}${userFields(values, extra.errors ?? {}, false)}
<button type="submit" class="btn btn-primary">Save</button></form></section>
<h2>Personal access tokens</h2>
${extra.reveal ? patReveal(extra.reveal) : ''}
${patTable(data, { revokeBase: `${BASE}/${user.id}/tokens` })}
${patCreateForm(config, { action: `${BASE}/${user.id}/tokens`, csrf, clients, values: extra.patValues ?? defaultPatForm(config), errors: extra.patErrors ?? {}, ...(extra.patNotice ? { notice: extra.patNotice } : {}) })}`;
    return renderPage({ title: `User ${user.username}`, user: who.me, csrfToken: csrf, active: 'users', flash: extra.flash ?? null, body });
  };

  /** The user named in the URL, or a redirect to the list with a message (then null). */
  const loadUser = async (actor: Actor, id: string, reply: FastifyReply): Promise<User | null> => {
    const user = await users.get(actor, id).catch(nullIfNotFound);
    if (user) return user;
    session.setFlash(reply, { kind: 'error', message: 'That user does not exist.' });
    await reply.redirect(BASE, 303);
    return null;
  };

  app.get<{ Params: { id: string } }>(`${BASE}/:id`, async (request, reply) => {
    const who = await admin(request, reply);
    const user = who && (await loadUser(who.actor, request.params.id, reply));
    if (!who || !user) return reply;
    // The page may show a token made for this user: never kept by the browser or a proxy.
    reply.header('Cache-Control', 'no-store');
    const reveal = await takePatResult(oneTimeResults, who.actor, request.query, user.id);
    return html200(reply).send(await userPage(request, reply, who, user, { flash: session.takeFlash(request, reply), ...(reveal ? { reveal } : {}) }));
  });

  /** A form of the user page posted with an expired CSRF token: the page again, with what was typed. */
  const expiredUserForm = (which: 'account' | 'token') => async (request: FastifyRequest, reply: FastifyReply) => {
    const who = await expiredAdmin(request);
    const user = who && (await users.get(who.actor, (request.params as { id: string }).id).catch(nullIfNotFound));
    if (!who || !user) return false;
    const extra =
      which === 'account' ? { values: { ...readUserForm(request.body), username: user.username }, notice: FORM_EXPIRED } : { patValues: readPatForm(request.body), patNotice: FORM_EXPIRED };
    html200(reply).send(await userPage(request, reply, who, user, extra));
    return true;
  };

  app.post<{ Params: { id: string } }>(`${BASE}/:id`, { preHandler: csrfCheck(app), config: { expiredForm: expiredUserForm('account') } }, async (request, reply) => {
    const who = await admin(request, reply);
    const user = who && (await loadUser(who.actor, request.params.id, reply));
    if (!who || !user) return reply;
    const form = readUserForm(request.body);
    try {
      await users.update(who.actor, user.id, {
        administrator: form.administrator,
        permissions: form.permissions,
        ...(form.password !== '' ? { password: form.password, revokePersonalAccessTokens: form.revokePats } : {}),
      });
    } catch (err) {
      if (!(err instanceof ValidationError)) return session.fail(request, reply, who.me, err);
      return html200(reply).code(422).send(await userPage(request, reply, who, user, { values: { ...form, username: user.username }, errors: err.errors }));
    }
    session.setFlash(reply, { kind: 'success', message: `User "${user.username}" saved.` });
    return reply.redirect(`${BASE}/${user.id}`, 303);
  });

  app.post<{ Params: { id: string } }>(`${BASE}/:id/tokens`, { preHandler: csrfCheck(app), config: { expiredForm: expiredUserForm('token') } }, async (request, reply) => {
    const who = await admin(request, reply);
    const user = who && (await loadUser(who.actor, request.params.id, reply));
    if (!who || !user) return reply;
    const outcome = await submitPatForm(pats, config, request, who.actor, user.id);
    if (!outcome.ok) {
      return html200(reply).code(422).send(await userPage(request, reply, who, user, { patValues: outcome.values, patErrors: outcome.errors, flash: { kind: 'error', message: 'The token was not created: check the fields below.' } }));
    }
    const shown = await oneTimeResults.keep(who.actor, { kind: 'personal_access_token', ownerId: user.id, tokenId: outcome.pat.id, name: outcome.pat.name, token: outcome.token });
    session.setFlash(reply, { kind: 'success', message: `Token "${outcome.pat.name}" created for ${user.username}.` });
    return reply.redirect(`${BASE}/${user.id}?shown=${encodeURIComponent(shown)}`, 303);
  });

  app.get<{ Params: { id: string; tokenId: string } }>(`${BASE}/:id/tokens/:tokenId/revoke`, async (request, reply) => {
    const who = await admin(request, reply);
    const user = who && (await loadUser(who.actor, request.params.id, reply));
    if (!who || !user) return reply;
    const pat = await pats.get(who.actor, user.id, request.params.tokenId).catch(nullIfNotFound);
    if (!pat) {
      session.setFlash(reply, { kind: 'error', message: 'That token does not exist or was already revoked.' });
      return reply.redirect(`${BASE}/${user.id}`, 303);
    }
    const csrf = csrfToken(request, reply);
    const body = confirmCard({
      title: 'Revoke token',
      message: html`<p>Revoke ${user.username}'s token <strong>${pat.name}</strong> (<code>${pat.prefix}…</code>)? Anything using it stops working at once.</p>`,
      action: `${BASE}/${user.id}/tokens/${pat.id}/revoke`,
      csrf,
      cancelHref: `${BASE}/${user.id}`,
    });
    return html200(reply).send(renderPage({ title: 'Revoke token', user: who.me, csrfToken: csrf, active: 'users', narrow: true, body }));
  });

  app.post<{ Params: { id: string; tokenId: string } }>(`${BASE}/:id/tokens/:tokenId/revoke`, { preHandler: csrfCheck(app) }, async (request, reply) => {
    const who = await admin(request, reply);
    const user = who && (await loadUser(who.actor, request.params.id, reply));
    if (!who || !user) return reply;
    const done = await pats.revoke(who.actor, user.id, request.params.tokenId).catch(nullIfNotFound);
    session.setFlash(reply, done ? { kind: 'success', message: 'Token revoked.' } : { kind: 'error', message: 'That token does not exist or was already revoked.' });
    return reply.redirect(`${BASE}/${user.id}`, 303);
  });

  app.get<{ Params: { id: string } }>(`${BASE}/:id/delete`, async (request, reply) => {
    const who = await admin(request, reply);
    const user = who && (await loadUser(who.actor, request.params.id, reply));
    if (!who || !user) return reply;
    const csrf = csrfToken(request, reply);
    const body =
      user.id === who.me.id
        ? html`<section class="card"><h1>Delete user</h1><p>You cannot delete your own account.</p><a class="btn btn-secondary" href="${BASE}/${user.id}">Back</a></section>`
        : confirmCard({
            title: 'Delete user',
            message: html`<p>Delete <strong>${user.username}</strong>? Their sessions and every token they hold end at once.</p>`,
            action: `${BASE}/${user.id}/delete`,
            csrf,
            cancelHref: `${BASE}/${user.id}`,
          });
    return html200(reply).send(renderPage({ title: 'Delete user', user: who.me, csrfToken: csrf, active: 'users', narrow: true, body }));
  });

  app.post<{ Params: { id: string } }>(`${BASE}/:id/delete`, { preHandler: csrfCheck(app) }, async (request, reply) => {
    const who = await admin(request, reply);
    const user = who && (await loadUser(who.actor, request.params.id, reply));
    if (!who || !user) return reply;
    try {
      await users.delete(who.actor, user.id);
    } catch (err) {
      if (!(err instanceof ValidationError)) return session.fail(request, reply, who.me, err);
      session.setFlash(reply, { kind: 'error', message: err.message });
      return reply.redirect(`${BASE}/${user.id}`, 303);
    }
    session.setFlash(reply, { kind: 'success', message: `User "${user.username}" deleted.` });
    return reply.redirect(BASE, 303);
  });
}
