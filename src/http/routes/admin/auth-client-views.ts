/**
 * The Auth Clients console views shared by its pages: grant-type labels and badges, the create/edit
 * form, and the confirmations (delete, a save that ends tokens, regenerating the secret).
 */
import type { Client, ClientType } from '../../../domain/client.js';
import { PERMISSIONS } from '../../../domain/permission.js';
import type { UpdatePreview } from '../../../services/clients.js';
import { checkbox, confirmCard, fieldError, hiddenCsrf, textArea, textField, type FormErrors } from '../../views/components.js';
import { html, type Html, type HtmlValue } from '../../views/html.js';

export const CLIENTS_PATH = '/admin/auth-clients';
export const SECRET_WARNING = "Copy this secret now. You won't be able to see it again.";
export const SECRET_ALREADY_SHOWN = 'This secret was shown once and cannot be shown again. If it was not copied, regenerate it.';
export const PASSWORD_GRANT_WARNING =
  'The Password Grant is for legacy desktop applications only: the application sees the user’s password. Move such applications to the Device Authorization Grant (the user signs in here, in a browser; the client page shows how), or use the Authorization Code Grant with PKCE.';
export const REQUIRE_PKCE_HINT =
  'Recommended: the application must send a PKCE code_challenge (S256) with every authorization request. Public clients always require PKCE; leave it off only for integrations that cannot send one.';
export const ALLOWED_ORIGINS_HINT =
  'Browser origins (scheme, host and port, one per line, such as https://app.example.com) that may call the token, revocation and metadata endpoints. A public client\u2019s redirect URL origins are allowed already.';
/** The grace period the console preselects when regenerating (the API's and the CLI's default is 0). */
export const CONSOLE_GRACE_SECONDS = 3600;

export const TYPE_LABELS: Readonly<Record<ClientType, { label: string; badge: string; cls: string }>> = {
  authorization_code_grant: { label: 'Enable Authorization Code Grant', badge: 'Authorization Code', cls: 'badge' },
  password_client: { label: 'Enable Password Grant', badge: 'Password', cls: 'badge badge-orange' },
  personal_access_client: { label: 'Enable Personal Access Tokens', badge: 'Personal Access', cls: 'badge badge-purple' },
  client_credentials_grant: { label: 'Enable Client Credentials Grant', badge: 'Client Credentials', cls: 'badge badge-green' },
  device_code_grant: { label: 'Enable Device Authorization Grant', badge: 'Device', cls: 'badge' },
};

export const PERMISSION_LABELS: Readonly<Record<string, string>> = {
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
  readonly requirePkce: boolean;
  /** One origin per line. */
  readonly allowedOrigins: string;
  /** Allowed scopes. */
  readonly scopes: readonly string[];
}

/** A scope the form offers (built-ins to everyone, custom ones to administrators). */
export interface ScopeOption {
  readonly name: string;
  readonly description: string;
  readonly builtin: boolean;
}

/**
 * The Allowed scopes checkboxes. Custom scopes are offered to administrators only; anyone else
 * keeps the custom scopes the client already holds (carried as hidden fields, shown as text).
 */
function scopeBoxes(values: ClientFormValues, options: readonly ScopeOption[], administrator: boolean, errors: string[] | undefined): Html {
  const offered = options.filter((o) => o.builtin || administrator);
  const kept = administrator ? [] : values.scopes.filter((s) => !offered.some((o) => o.name === s));
  return html`<fieldset${errors?.length ? html` aria-describedby="scopes-error"` : ''}>
    <legend>Allowed scopes</legend>
    <input type="hidden" name="scopes_shown" value="1">
    <div class="label small muted">What this client may ask for; a request with no scope gets api when it is allowed, else all of these.</div>
    ${offered.map((o) => checkbox({ id: `scope-${o.name.replace(/[^A-Za-z0-9_-]/g, '-')}`, name: 'scopes', value: o.name, label: `${o.name} — ${o.description}`, checked: values.scopes.includes(o.name) }))}
    ${kept.map((s) => html`<input type="hidden" name="scopes" value="${s}">`)}
    ${kept.length ? html`<p class="muted small">Also allowed (set by an administrator): ${kept.join(', ')}</p>` : ''}
    ${fieldError('scopes', errors)}
  </fieldset>`;
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
    requirePkce: client.requirePkce,
    allowedOrigins: client.allowedOrigins.join('\n'),
    scopes: client.scopes,
  };
}

export const EMPTY_FORM: ClientFormValues = { name: '', types: [], redirect: '', publicClient: false, trusted: false, introspectAll: false, permissions: [], requirePkce: false, allowedOrigins: '', scopes: ['api', 'api:read'] };

export function typeBadges(types: readonly ClientType[]): Html {
  return html`${types.map((t) => html`<span class="${TYPE_LABELS[t].cls}">${TYPE_LABELS[t].badge}</span>`)}`;
}

/** The page of one client (`back`: the list to return to, with its search). */
export function clientPath(id: string, query: Readonly<Record<string, string | undefined>> = {}): string {
  const q = new URLSearchParams(Object.entries(query).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''));
  const s = q.toString();
  return `${CLIENTS_PATH}/${encodeURIComponent(id)}${s ? `?${s}` : ''}`;
}

function hiddenBack(back: string | undefined): HtmlValue {
  return back ? html`<input type="hidden" name="back" value="${back}">` : null;
}

export function clientFormBody(options: {
  mode: 'create' | 'edit';
  client?: Client;
  values: ClientFormValues;
  errors: FormErrors;
  csrf: string;
  can: ClientPermissions;
  /** The scope catalog, built-ins first. */
  scopeOptions: readonly ScopeOption[];
  /** The list (with its search) to return to. */
  back?: string;
  /** A message above the form (e.g. the form had expired and nothing was saved). */
  notice?: string;
}): Html {
  const { values, errors, mode, client } = options;
  const action = mode === 'create' ? CLIENTS_PATH : clientPath(client!.id);
  const has = (t: string) => values.types.includes(t);
  const hasErrors = Object.values(errors).some((e) => e?.length);
  const typeBoxes: HtmlValue[] = (Object.keys(TYPE_LABELS) as ClientType[]).map((t) =>
    checkbox({
      id: `type-${t}`,
      name: 'types',
      value: t,
      label: TYPE_LABELS[t].label,
      checked: has(t),
      ...(t === 'authorization_code_grant' ? { toggles: 'redirect-field !redirect-drop-warning' } : t === 'password_client' ? { toggles: 'password-warning' } : {}),
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
  const storedRedirects = mode === 'edit' && client ? client.redirect.length : 0;
  const cancel = options.back ?? (client ? clientPath(client.id) : CLIENTS_PATH);
  return html`<div class="page-header"><h1>${mode === 'create' ? 'Create Auth Client' : 'Edit Auth Client'}</h1></div>
${options.notice ? html`<div class="flash flash-info" role="status">${options.notice}</div>` : ''}
${hasErrors ? html`<div class="flash flash-error" role="alert">The Auth Client was not saved: please correct the fields marked below.</div>` : ''}
<form method="post" action="${action}" class="card form-card" novalidate>
  ${hiddenCsrf(options.csrf)}
  ${hiddenBack(options.back)}
  ${textField({ id: 'name', name: 'name', label: 'Name', value: values.name, required: true, maxlength: 255, autocomplete: 'off', ...(errors.name ? { errors: errors.name } : {}) })}
  <fieldset${errors.types?.length ? html` aria-describedby="types-error"` : ''}>
    <legend>Grant types</legend>
    ${typeBoxes}
    ${fieldError('types', errors.types)}
    <p class="warning" id="password-warning" role="note"${has('password_client') ? '' : html` hidden`}>${PASSWORD_GRANT_WARNING}</p>
    ${storedRedirects > 0
      ? html`<p class="warning" id="redirect-drop-warning" role="note"${has('authorization_code_grant') ? html` hidden` : ''}>Without the Authorization Code Grant its ${storedRedirects === 1 ? 'redirect URL is' : `${storedRedirects} redirect URLs are`} removed when you save. Tick it again to keep ${storedRedirects === 1 ? 'it' : 'them'}.</p>`
      : ''}
  </fieldset>
  <div id="redirect-field"${has('authorization_code_grant') ? '' : html` hidden`}>
    ${textArea({ id: 'redirect', name: 'redirect', label: 'Redirect URL', value: values.redirect, hint: 'One URL per line: https, or http only for localhost, 127.0.0.1 and [::1]. Matched exactly.', ...(errors.redirect ? { errors: errors.redirect } : {}) })}
  </div>
  ${
    mode === 'create'
      ? html`<div class="field">${checkbox({ id: 'public', name: 'public', value: '1', label: 'Public client (no secret)', checked: values.publicClient })}
    <div class="hint">For browser, mobile and command-line apps that cannot keep a secret: only the Authorization Code Grant (with PKCE) and the Device Authorization Grant.</div>
    ${fieldError('confidential', errors.confidential)}</div>`
      : html`<p class="muted small">${values.publicClient ? 'Public client (no secret): only the Authorization Code Grant and the Device Authorization Grant.' : 'Confidential client: authenticates with its secret.'}</p>${fieldError('confidential', errors.confidential)}`
  }
  ${scopeBoxes(values, options.scopeOptions, options.can.administrator, errors.scopes)}
  <fieldset>
    <legend>Browser and PKCE</legend>
    <div class="field">${checkbox({ id: 'require_pkce', name: 'require_pkce', value: '1', label: 'Require PKCE', checked: values.requirePkce })}
    <div class="hint">${REQUIRE_PKCE_HINT}</div>
    ${fieldError('require_pkce', errors.require_pkce)}</div>
    ${textArea({ id: 'allowed_origins', name: 'allowed_origins', label: 'Allowed origins', value: values.allowedOrigins, hint: ALLOWED_ORIGINS_HINT, ...(errors.allowed_origins ? { errors: errors.allowed_origins } : {}) })}
  </fieldset>
  ${adminSection}
  <div class="actions form-actions">
    <button type="submit" class="btn btn-primary">Save</button>
    <a class="btn btn-secondary" href="${cancel}">Cancel</a>
  </div>
</form>`;
}

/** Every field of a posted client form, carried unchanged through a confirmation. */
export function carriedFields(fields: Readonly<Record<string, string | readonly string[]>>): Html {
  return html`${Object.entries(fields).map(([name, value]) =>
    (typeof value === 'string' ? [value] : value).map((v) => html`<input type="hidden" name="${name}" value="${v}">`),
  )}`;
}

/** Before a save that revokes tokens or drops redirect URLs: what it ends, then Confirm. */
export function updateConfirmBody(options: { preview: UpdatePreview; csrf: string; fields: Readonly<Record<string, string | readonly string[]>>; cancelHref: string }): Html {
  const { preview } = options;
  const n = preview.tokensEnded;
  const removed = preview.typesRemoved.map((t) => TYPE_LABELS[t].badge).join(', ');
  return html`<div class="confirm-wrap"><section class="card" role="alertdialog" aria-labelledby="confirm-title" aria-describedby="confirm-message">
  <h1 id="confirm-title">Save changes to ${preview.client.name}?</h1>
  <div id="confirm-message">
    ${preview.typesRemoved.length > 0 ? html`<p>This removes the <strong>${removed}</strong> grant${preview.typesRemoved.length === 1 ? '' : 's'}.</p>` : ''}
    ${n > 0
      ? html`<p class="warning"><strong id="tokens-ended">${n}</strong> active token${n === 1 ? '' : 's'} issued through ${preview.typesRemoved.length === 1 ? 'it' : 'them'} will stop working immediately, for good: adding the grant back revives nothing.</p>`
      : ''}
    ${preview.redirectRemoved.length > 0 && preview.typesRemoved.includes('authorization_code_grant')
      ? html`<p class="warning">Its redirect URLs are removed: ${preview.redirectRemoved.map((r, i) => html`${i > 0 ? ', ' : ''}<code>${r}</code>`)}.</p>`
      : ''}
  </div>
  <form method="post" action="${clientPath(preview.client.id)}" class="actions">
    ${hiddenCsrf(options.csrf)}
    ${carriedFields(options.fields)}
    <input type="hidden" name="confirmed" value="1">
    <button type="submit" class="btn btn-danger">Confirm</button>
    <a class="btn btn-secondary" href="${options.cancelHref}">Cancel</a>
  </form>
</section></div>`;
}

export function deleteConfirmBody(options: { client: Client; activeTokens: number; csrf: string; back?: string }): Html {
  const n = options.activeTokens;
  return html`<div class="confirm-wrap">${confirmCard({
    title: 'Caution!',
    message: html`<p>Delete Auth Client <strong>${options.client.name}</strong>? This cannot be undone.</p>
<p class="warning">${n === 0 ? 'It has no active tokens.' : html`<strong>${n}</strong> active token${n === 1 ? '' : 's'} will stop working immediately.`} Its pending authorization codes end too.</p>`,
    action: `${clientPath(options.client.id)}/delete`,
    csrf: options.csrf,
    cancelHref: options.back ?? clientPath(options.client.id),
    fields: options.back ? { back: options.back } : {},
  })}</div>`;
}

/** Regenerating the secret: the grace choice (the console preselects an hour), then Confirm. */
export function secretConfirmBody(options: { client: Client; csrf: string }): Html {
  const choices: Array<[number, string]> = [
    [0, 'Not at all: stop it now (for a leaked secret)'],
    [CONSOLE_GRACE_SECONDS, 'For 1 hour'],
    [86_400, 'For 24 hours'],
  ];
  return html`<div class="confirm-wrap"><section class="card" role="alertdialog" aria-labelledby="confirm-title" aria-describedby="confirm-message">
  <h1 id="confirm-title">Regenerate the secret of ${options.client.name}?</h1>
  <div id="confirm-message">
    <p>A new secret is issued and shown once. Applications must switch to it: until they do, the old one works only during the grace period you choose.</p>
  </div>
  <form method="post" action="${clientPath(options.client.id)}/secret">
    ${hiddenCsrf(options.csrf)}
    <div class="field">
      <label for="grace_period">The old secret keeps working</label>
      <select id="grace_period" name="grace_period">
        ${choices.map(([seconds, label]) => html`<option value="${seconds}"${seconds === CONSOLE_GRACE_SECONDS ? html` selected` : ''}>${label}</option>`)}
      </select>
    </div>
    <div class="actions">
      <button type="submit" class="btn btn-danger">Confirm</button>
      <a class="btn btn-secondary" href="${clientPath(options.client.id)}">Cancel</a>
    </div>
  </form>
</section></div>`;
}
