/** The Auth Clients console views: the list, the create/edit form, the secret shown once, the delete confirmation. */
import type { Client, ClientType } from '../../../domain/client.js';
import { PERMISSIONS } from '../../../domain/permission.js';
import type { ClientTokenStats } from '../../../store/client-store.js';
import { checkbox, confirmCard, fieldError, hiddenCsrf, pagination, secretReveal, textArea, textField, type FormErrors } from '../../views/components.js';
import { formatDate, html, type Html, type HtmlValue } from '../../views/html.js';

export const SECRET_WARNING = "Copy this secret now. You won't be able to see it again.";
export const PASSWORD_GRANT_WARNING =
  'The Password Grant is for legacy desktop applications only: the application sees the user’s password. Prefer the Authorization Code Grant with PKCE.';

export const TYPE_LABELS: Readonly<Record<ClientType, { label: string; badge: string; cls: string }>> = {
  authorization_code_grant: { label: 'Enable Authorization Code Grant', badge: 'Authorization Code', cls: 'badge' },
  password_client: { label: 'Enable Password Grant', badge: 'Password', cls: 'badge badge-orange' },
  personal_access_client: { label: 'Enable Personal Access Tokens', badge: 'Personal Access', cls: 'badge badge-purple' },
  client_credentials_grant: { label: 'Enable Client Credentials Grant', badge: 'Client Credentials', cls: 'badge badge-green' },
};

const PERMISSION_LABELS: Readonly<Record<string, string>> = {
  'view-auth_clients': 'View Auth Clients',
  'create-auth_clients': 'Create Auth Clients',
  'edit-auth_clients': 'Edit Auth Clients',
  'delete-auth_clients': 'Delete Auth Clients',
};

export interface ClientPermissions {
  readonly view: boolean;
  readonly create: boolean;
  readonly edit: boolean;
  readonly delete: boolean;
  readonly administrator: boolean;
}

/** What the form holds: the stored client, or what was posted (kept on errors). */
export interface ClientFormValues {
  readonly name: string;
  readonly types: readonly string[];
  readonly redirect: string;
  readonly publicClient: boolean;
  readonly trusted: boolean;
  readonly introspectAll: boolean;
  readonly permissions: readonly string[];
}

export function formValuesOf(client: Client): ClientFormValues {
  return {
    name: client.name,
    types: client.types,
    redirect: client.redirect.join('\n'),
    publicClient: !client.confidential,
    trusted: client.trusted,
    introspectAll: client.introspectAll,
    permissions: client.permissions,
  };
}

export const EMPTY_FORM: ClientFormValues = { name: '', types: [], redirect: '', publicClient: false, trusted: false, introspectAll: false, permissions: [] };

/** The day, with the full time on hover. */
function shortDate(d: Date): Html {
  return html`<time datetime="${d.toISOString()}" title="${formatDate(d)}">${d.toISOString().slice(0, 10)}</time>`;
}

function typeBadges(types: readonly ClientType[]): Html {
  return html`${types.map((t) => html`<span class="${TYPE_LABELS[t].cls}">${TYPE_LABELS[t].badge}</span>`)}`;
}

export function clientListBody(options: {
  clients: Client[];
  stats: Map<string, ClientTokenStats>;
  total: number;
  page: number;
  perPage: number;
  filter: string;
  orderBy: 'created_at' | 'name';
  can: ClientPermissions;
}): Html {
  const { clients, stats, can } = options;
  const rows = clients.map((c) => {
    const s = stats.get(c.id);
    return html`<tr>
  <td data-label="Client ID"><code class="client-id" title="${c.id}">${c.id}</code></td>
  <td data-label="Name" class="name-cell"><strong>${c.name}</strong>${c.confidential ? '' : html` <span class="badge badge-gray">Public</span>`}${c.trusted ? html` <span class="badge badge-gray">Trusted</span>` : ''}</td>
  <td data-label="Redirect" class="redirects">${c.redirect.length ? c.redirect.map((r) => html`<div class="mono small">${r}</div>`) : html`<span class="muted">—</span>`}</td>
  <td data-label="Grant types" class="types-cell">${typeBadges(c.types)}</td>
  <td data-label="Created" class="nowrap small">${shortDate(c.createdAt)}</td>
  <td data-label="Active tokens" class="num">${s?.activeTokens ?? 0}</td>
  <td data-label="Last used" class="nowrap small">${s?.lastUsedAt ? shortDate(s.lastUsedAt) : html`<span class="muted">Never</span>`}</td>
  <td class="row-actions">${can.edit ? html`<a class="btn btn-secondary btn-small" href="/admin/auth-clients/${c.id}/edit">Edit<span class="visually-hidden"> Auth Client</span></a>` : ''}${can.delete ? html`<a class="btn btn-danger-outline btn-small" href="/admin/auth-clients/${c.id}/delete">Delete<span class="visually-hidden"> Auth Client</span></a>` : ''}</td>
</tr>`;
  });
  return html`<div class="page-header">
  <h1>Auth Clients</h1>
  ${can.create ? html`<a class="btn btn-primary" href="/admin/auth-clients/new">+ Auth Client</a>` : ''}
</div>
<p class="muted lead">Applications allowed to call the API, and how they obtain tokens. Secrets are never shown again after they are created.</p>
<form method="get" action="/admin/auth-clients" class="toolbar" role="search">
  <div class="field grow">
    <label for="filter">Search</label>
    <input type="search" id="filter" name="filter" value="${options.filter}" maxlength="200" placeholder="Name or redirect URL">
  </div>
  <div class="field">
    <label for="order_by">Sort by</label>
    <select id="order_by" name="order_by" data-autosubmit>
      <option value="created_at"${options.orderBy === 'created_at' ? html` selected` : ''}>Newest first</option>
      <option value="name"${options.orderBy === 'name' ? html` selected` : ''}>Name</option>
    </select>
  </div>
  <button type="submit" class="btn btn-secondary">Search</button>
  ${options.filter ? html`<a class="btn btn-link" href="/admin/auth-clients">Clear</a>` : ''}
</form>
<div class="table-wrap">
<table class="clients-table">
  <caption class="visually-hidden">Auth Clients</caption>
  <thead><tr><th scope="col">Client ID</th><th scope="col">Name</th><th scope="col">Redirect</th><th scope="col">Grant types</th><th scope="col">Created</th><th scope="col" class="num">Active tokens</th><th scope="col">Last used</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
  <tbody>
  ${rows.length ? rows : html`<tr><td colspan="8" class="empty">No Data Available</td></tr>`}
  </tbody>
</table>
</div>
${pagination({ path: '/admin/auth-clients', query: { filter: options.filter, order_by: options.orderBy === 'name' ? 'name' : undefined }, page: options.page, perPage: options.perPage, total: options.total })}`;
}

export function clientFormBody(options: {
  mode: 'create' | 'edit';
  client?: Client;
  values: ClientFormValues;
  errors: FormErrors;
  csrf: string;
  can: ClientPermissions;
}): Html {
  const { values, errors, mode, client } = options;
  const action = mode === 'create' ? '/admin/auth-clients' : `/admin/auth-clients/${client!.id}`;
  const has = (t: string) => values.types.includes(t);
  const hasErrors = Object.values(errors).some((e) => e?.length);
  const typeBoxes: HtmlValue[] = (Object.keys(TYPE_LABELS) as ClientType[]).map((t) =>
    checkbox({
      id: `type-${t}`,
      name: 'types',
      value: t,
      label: TYPE_LABELS[t].label,
      checked: has(t),
      ...(t === 'authorization_code_grant' ? { toggles: 'redirect-field' } : t === 'password_client' ? { toggles: 'password-warning' } : {}),
    }),
  );
  const adminSection = options.can.administrator
    ? html`<fieldset>
    <legend>Administrator settings</legend>
    ${checkbox({ id: 'trusted', name: 'trusted', value: '1', label: 'Trusted (skip the consent screen)', checked: values.trusted })}
    ${checkbox({ id: 'introspect_all', name: 'introspect_all', value: '1', label: 'May introspect all tokens (resource server)', checked: values.introspectAll })}
    <div class="label small muted" id="permissions-hint">Permissions the client holds when it acts as itself (Client Credentials)</div>
    ${PERMISSIONS.map((p) => checkbox({ id: `perm-${p}`, name: 'permissions', value: p, label: PERMISSION_LABELS[p] ?? p, checked: values.permissions.includes(p) }))}
    ${fieldError('permissions', errors.permissions)}
  </fieldset>`
    : '';
  return html`<div class="page-header"><h1>${mode === 'create' ? 'Create Auth Client' : 'Edit Auth Client'}</h1></div>
${hasErrors ? html`<div class="flash flash-error" role="alert">The Auth Client was not saved: please correct the fields marked below.</div>` : ''}
<div class="${mode === 'create' ? 'form-layout single' : 'form-layout'}">
<form method="post" action="${action}" class="card form-card" novalidate>
  ${hiddenCsrf(options.csrf)}
  ${textField({ id: 'name', name: 'name', label: 'Name', value: values.name, required: true, maxlength: 255, autocomplete: 'off', ...(errors.name ? { errors: errors.name } : {}) })}
  <fieldset${errors.types?.length ? html` aria-describedby="types-error"` : ''}>
    <legend>Auth-Client</legend>
    ${typeBoxes}
    ${fieldError('types', errors.types)}
    <p class="warning" id="password-warning" role="note"${has('password_client') ? '' : html` hidden`}>${PASSWORD_GRANT_WARNING}</p>
  </fieldset>
  <div id="redirect-field"${has('authorization_code_grant') ? '' : html` hidden`}>
    ${textArea({ id: 'redirect', name: 'redirect', label: 'Redirect URL', value: values.redirect, hint: 'One URL per line: https, or http only for localhost, 127.0.0.1 and [::1]. Matched exactly.', ...(errors.redirect ? { errors: errors.redirect } : {}) })}
  </div>
  ${
    mode === 'create'
      ? html`<div class="field">${checkbox({ id: 'public', name: 'public', value: '1', label: 'Public client (no secret)', checked: values.publicClient })}
    <div class="hint">For browser and mobile apps that cannot keep a secret: only the Authorization Code Grant, with PKCE.</div>
    ${fieldError('confidential', errors.confidential)}</div>`
      : html`<p class="muted small">${values.publicClient ? 'Public client (no secret): only the Authorization Code Grant.' : 'Confidential client: authenticates with its secret.'}</p>${fieldError('confidential', errors.confidential)}`
  }
  ${adminSection}
  <div class="actions form-actions">
    <button type="submit" class="btn btn-primary">Save</button>
    <a class="btn btn-secondary" href="/admin/auth-clients">Cancel</a>
  </div>
</form>
${mode === 'edit' && client ? clientSideCard(client, options.csrf, options.can) : ''}
</div>`;
}

function clientSideCard(client: Client, csrf: string, can: ClientPermissions): Html {
  return html`<aside class="side-cards">
<section class="card" aria-labelledby="details-title">
  <h2 id="details-title">Details</h2>
  <dl class="meta">
    <dt>Client ID</dt><dd><code id="client-id-value">${client.id}</code> <button type="button" class="btn btn-secondary btn-small" data-copy-target="client-id-value">Copy</button></dd>
    <dt>Created</dt><dd>${formatDate(client.createdAt)}</dd>
    <dt>Updated</dt><dd>${formatDate(client.updatedAt)}</dd>
  </dl>
</section>
${
  client.confidential && can.edit
    ? html`<section class="card" aria-labelledby="secret-title">
  <h2 id="secret-title">Client secret</h2>
  <p class="muted small">The secret is stored only as a hash. Regenerating issues a new one, shown once.</p>
  <form method="post" action="/admin/auth-clients/${client.id}/secret">
    ${hiddenCsrf(csrf)}
    <div class="field">
      <label for="grace_period">Old secret keeps working</label>
      <select id="grace_period" name="grace_period">
        <option value="0">Not at all: stop it now</option>
        <option value="3600">For 1 hour</option>
        <option value="86400">For 24 hours</option>
      </select>
    </div>
    <button type="submit" class="btn btn-secondary">Regenerate secret</button>
  </form>
</section>`
    : ''
}
</aside>`;
}

export function secretShownBody(options: { client: Client; secret: string; created: boolean }): Html {
  return html`<div class="page-header"><h1>${options.client.name}</h1></div>
${secretReveal({ id: 'client-secret', label: options.created ? 'Client secret' : 'New client secret', value: options.secret, warning: SECRET_WARNING })}
<section class="card">
  <dl class="meta">
    <dt>Client ID</dt><dd><code id="new-client-id">${options.client.id}</code> <button type="button" class="btn btn-secondary btn-small" data-copy-target="new-client-id">Copy</button></dd>
    <dt>Grant types</dt><dd>${typeBadges(options.client.types)}</dd>
  </dl>
  <p class="actions"><a class="btn btn-primary" href="/admin/auth-clients">Done</a> <a class="btn btn-secondary" href="/admin/auth-clients/${options.client.id}/edit">Edit<span class="visually-hidden"> Auth Client</span></a></p>
</section>`;
}

export function deleteConfirmBody(options: { client: Client; activeTokens: number; csrf: string }): Html {
  const n = options.activeTokens;
  return html`<div class="confirm-wrap">${confirmCard({
    title: 'Caution!',
    message: html`<p>Delete Auth Client <strong>${options.client.name}</strong>? This cannot be undone.</p>
<p class="warning">${n === 0 ? 'It has no active tokens.' : html`<strong>${n}</strong> active token${n === 1 ? '' : 's'} will stop working immediately.`} Its pending authorization codes end too.</p>`,
    action: `/admin/auth-clients/${options.client.id}/delete`,
    csrf: options.csrf,
    cancelHref: '/admin/auth-clients',
  })}</div>`;
}
