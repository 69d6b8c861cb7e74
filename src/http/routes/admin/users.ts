/**
 * Users (/admin/users, administrators): list with a filter, create, edit (administrator flag,
 * permissions, password), delete (their tokens end at once), and on each user's page their
 * personal access tokens, which the administrator can create and revoke. Every change goes
 * through the users and PAT services.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PERMISSIONS } from '../../../domain/permission.js';
import type { Actor } from '../../../services/actor.js';
import { nullIfNotFound, ValidationError } from '../../../services/errors.js';
import type { PatService } from '../../../services/pats.js';
import type { UserService } from '../../../services/users.js';
import type { User } from '../../../store/user-store.js';
import { csrfCheck, csrfToken } from '../../plugins/security.js';
import { checkbox, confirmCard, hiddenCsrf, pagination, textField, type FormErrors } from '../../views/components.js';
import { formatDate, html, type HtmlValue } from '../../views/html.js';
import { renderPage, type Flash } from '../../views/layout.js';
import { defaultPatForm, patCreateForm, patReveal, patTable, submitPatForm, type PatConfig, type PatFormValues } from '../../views/pats.js';

const BASE = '/admin/users';
const PER_PAGE = 20;
const PERMISSION_LABELS: Record<string, string> = {
  'view-auth_clients': 'View Auth Clients',
  'create-auth_clients': 'Create Auth Clients',
  'edit-auth_clients': 'Edit Auth Clients',
  'delete-auth_clients': 'Delete Auth Clients',
};

function str(body: unknown, name: string): string {
  const v = (body as Record<string, unknown> | null)?.[name];
  return typeof v === 'string' ? v : '';
}

function strs(body: unknown, name: string): string[] {
  const v = (body as Record<string, unknown> | null)?.[name];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' ? [v] : [];
}

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
    username: str(body, 'username').trim().slice(0, 300),
    password: str(body, 'password'),
    administrator: str(body, 'administrator') === '1',
    permissions: strs(body, 'permissions').filter((p) => (PERMISSIONS as readonly string[]).includes(p)),
    revokePats: str(body, 'revoke_personal_access_tokens') === '1',
  };
}

export interface AdminUserDeps {
  readonly users: UserService;
  readonly pats: PatService;
  readonly config: PatConfig;
}

export async function adminUserRoutes(app: FastifyInstance, { users, pats, config }: AdminUserDeps): Promise<void> {
  const session = app.consoleSession;
  const html200 = (reply: FastifyReply) => reply.type('text/html; charset=utf-8');
  /** The signed-in administrator and who the services see, or null (the reply is sent). */
  const admin = async (request: FastifyRequest, reply: FastifyReply): Promise<{ me: User; actor: Actor } | null> => {
    const me = await session.requireAdmin(request, reply);
    return me ? { me, actor: session.actor(request, me) } : null;
  };

  app.get<{ Querystring: { filter?: string; page?: string } }>(BASE, async (request, reply) => {
    const who = await admin(request, reply);
    if (!who) return reply;
    const filter = (request.query.filter ?? '').slice(0, 255);
    const pageNo = Math.max(1, Math.min(100_000, Number.parseInt(request.query.page ?? '1', 10) || 1));
    const { data, total } = await users.list(who.actor, { page: pageNo, perPage: PER_PAGE, filter });
    const csrf = csrfToken(request, reply);
    const body = html`<div class="page-header"><h1>Users</h1><a class="btn btn-primary" href="${BASE}/new">+ User</a></div>
<form method="get" action="${BASE}" class="toolbar" role="search">
  ${textField({ id: 'filter', name: 'filter', label: 'Filter by username', type: 'search', value: filter })}
  <button type="submit" class="btn btn-secondary">Filter</button>
</form>
<div class="table-wrap"><table>
<thead><tr><th scope="col">Username</th><th scope="col">Role</th><th scope="col">Permissions</th><th scope="col">Created</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
<tbody>
${data.length === 0 ? html`<tr><td colspan="5" class="empty">No users match.</td></tr>` : ''}
${data.map((u) => html`<tr><td>${u.username}</td><td>${u.administrator ? html`<span class="badge badge-purple">Administrator</span>` : 'User'}</td>
<td>${u.administrator ? 'All' : u.grantedPermissions.map((p) => html`<span class="badge badge-gray">${p}</span>`)}</td><td>${formatDate(u.createdAt)}</td>
<td><a class="btn btn-secondary btn-small" href="${BASE}/${u.id}">Edit</a></td></tr>`)}
</tbody></table></div>
${pagination({ path: BASE, query: { filter }, page: pageNo, perPage: PER_PAGE, total })}`;
    return html200(reply).send(renderPage({ title: 'Users', user: who.me, csrfToken: csrf, active: 'users', flash: session.takeFlash(request, reply), body }));
  });

  const newUserPage = (request: FastifyRequest, reply: FastifyReply, me: User, values: UserFormValues, errors: FormErrors) => {
    const csrf = csrfToken(request, reply);
    const body = html`<section class="card"><h1>New user</h1>
<form method="post" action="${BASE}" novalidate>${hiddenCsrf(csrf)}${userFields(values, errors, true)}
<div class="actions"><button type="submit" class="btn btn-primary">Save</button><a class="btn btn-secondary" href="${BASE}">Cancel</a></div></form></section>`;
    return renderPage({ title: 'New user', user: me, csrfToken: csrf, active: 'users', body });
  };

  app.get(`${BASE}/new`, async (request, reply) => {
    const who = await admin(request, reply);
    if (!who) return reply;
    return html200(reply).send(newUserPage(request, reply, who.me, { username: '', administrator: false, permissions: [] }, {}));
  });

  app.post(BASE, { preHandler: csrfCheck(app) }, async (request, reply) => {
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
    who: { me: User; actor: Actor },
    user: User,
    extra: { values?: UserFormValues; errors?: FormErrors; patValues?: PatFormValues; patErrors?: FormErrors; reveal?: string; flash?: Flash | null } = {},
  ) => {
    const csrf = csrfToken(request, reply);
    const [{ data }, clients] = await Promise.all([pats.list(who.actor, user.id, { page: 1, perPage: 100 }), pats.patClients()]);
    const values = extra.values ?? { username: user.username, administrator: user.administrator, permissions: user.grantedPermissions };
    const body = html`<div class="page-header"><h1>User ${user.username}</h1><a class="btn btn-danger" href="${BASE}/${user.id}/delete">Delete user</a></div>
<section class="card"><h2>Account</h2>
<form method="post" action="${BASE}/${user.id}" novalidate>${hiddenCsrf(csrf)}${userFields(values, extra.errors ?? {}, false)}
<button type="submit" class="btn btn-primary">Save</button></form></section>
<h2>Personal access tokens</h2>
${extra.reveal ? patReveal(extra.reveal) : ''}
${patTable(data, { revokeBase: `${BASE}/${user.id}/tokens` })}
${patCreateForm(config, { action: `${BASE}/${user.id}/tokens`, csrf, clients, values: extra.patValues ?? defaultPatForm(config), errors: extra.patErrors ?? {} })}`;
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
    return html200(reply).send(await userPage(request, reply, who, user, { flash: session.takeFlash(request, reply) }));
  });

  app.post<{ Params: { id: string } }>(`${BASE}/:id`, { preHandler: csrfCheck(app) }, async (request, reply) => {
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

  app.post<{ Params: { id: string } }>(`${BASE}/:id/tokens`, { preHandler: csrfCheck(app) }, async (request, reply) => {
    const who = await admin(request, reply);
    const user = who && (await loadUser(who.actor, request.params.id, reply));
    if (!who || !user) return reply;
    const outcome = await submitPatForm(pats, config, request, who.actor, user.id);
    reply.header('Cache-Control', 'no-store');
    if (!outcome.ok) {
      return html200(reply).code(422).send(await userPage(request, reply, who, user, { patValues: outcome.values, patErrors: outcome.errors, flash: { kind: 'error', message: 'The token was not created: check the fields below.' } }));
    }
    return html200(reply).send(await userPage(request, reply, who, user, { reveal: outcome.token, flash: { kind: 'success', message: `Token "${outcome.pat.name}" created for ${user.username}.` } }));
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
