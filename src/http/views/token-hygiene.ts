/** The Tokens page's pieces: the filter bar, the token table with the rotation flag and a Revoke per row, the bulk-revoke form. */
import { TOKEN_KINDS } from '../../domain/token.js';
import type { TokenOverview } from '../../store/token-admin-store.js';
import { emptyRow, textField, type FormErrors } from './components.js';
import { formatDate, html, type Html } from './html.js';

export const KIND_LABELS: Record<string, string> = {
  access_token: 'Access token',
  refresh_token: 'Refresh token',
  personal_access_token: 'Personal access token',
};

export interface TokenFilterForm {
  readonly client: string;
  readonly user: string;
  readonly kind: string;
  readonly older_than_days: string;
  readonly unused_days: string;
}

export interface BulkRevokeForm {
  readonly client: string;
  readonly user: string;
  readonly name: string;
  readonly before: string;
}

const CLIENT_HINT = 'Client id or name';
const USER_HINT = 'Username or id';

export function tokenFilterBar(values: TokenFilterForm, errors: FormErrors): Html {
  return html`<form method="get" action="/admin/tokens" class="toolbar" role="search" aria-label="Filter tokens">
  ${textField({ id: 'filter-client', name: 'client', label: 'Client', value: values.client, errors: errors.client, hint: CLIENT_HINT, maxlength: 255 })}
  ${textField({ id: 'filter-user', name: 'user', label: 'User', value: values.user, errors: errors.user, hint: USER_HINT, maxlength: 255 })}
  <div class="field"><label for="filter-kind">Kind</label>
    <select id="filter-kind" name="kind"><option value="">Any kind</option>
      ${TOKEN_KINDS.map((k) => html`<option value="${k}"${k === values.kind ? html` selected` : ''}>${KIND_LABELS[k]}</option>`)}
    </select></div>
  ${textField({ id: 'filter-older', name: 'older_than_days', label: 'Older than (days)', type: 'number', value: values.older_than_days, errors: errors.older_than_days })}
  ${textField({ id: 'filter-unused', name: 'unused_days', label: 'Unused for (days)', type: 'number', value: values.unused_days, errors: errors.unused_days })}
  <button type="submit" class="btn btn-secondary">Filter</button>
  <a class="btn btn-link" href="/admin/tokens">Clear</a>
</form>`;
}

export function tokenHygieneTable(tokens: readonly TokenOverview[], rotationDays: number, options: { filtered: boolean }): Html {
  return html`<div class="table-wrap"><table class="stacked tokens-table">
  <caption class="muted small">Active tokens. <span class="badge badge-orange">Rotate</span> marks tokens older than ${rotationDays} days.</caption>
  <thead><tr><th scope="col">Kind</th><th scope="col">Name</th><th scope="col">Token</th><th scope="col">Client</th><th scope="col">User</th><th scope="col">Scopes</th><th scope="col">Created</th><th scope="col">Expires</th><th scope="col">Last used</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
  <tbody>
  ${tokens.length === 0 ? emptyRow(10, options.filtered ? html`No active token matches these filters. <a href="/admin/tokens">Show every token</a>.` : 'No active tokens: nothing can call the API right now.') : ''}
  ${tokens.map(
    (t) => html`<tr data-token-id="${t.id}">
    <td data-label="Kind">${KIND_LABELS[t.kind] ?? t.kind}</td>
    <td data-label="Name">${t.name ?? '—'}</td>
    <td data-label="Token"><code>${t.prefix}…</code></td>
    <td data-label="Client"><a href="/admin/auth-clients/${t.clientId}">${t.clientName}</a></td>
    <td data-label="User">${t.username ?? html`<span class="muted">(client itself)</span>`}</td>
    <td data-label="Scopes">${t.scopes.map((s) => html`<span class="badge">${s}</span>`)}</td>
    <td data-label="Created">${formatDate(t.createdAt)}${t.needsRotation ? html` <span class="badge badge-orange" title="Older than the rotation policy">Rotate</span>` : ''}</td>
    <td data-label="Expires">${t.expiresAt ? formatDate(t.expiresAt) : 'Never'}</td>
    <td data-label="Last used">${t.lastUsedAt ? formatDate(t.lastUsedAt) : 'Never'}</td>
    <td class="row-actions"><a class="btn btn-danger-outline btn-small" href="/admin/tokens/${t.id}/revoke">Revoke<span class="visually-hidden"> ${KIND_LABELS[t.kind] ?? 'token'} ${t.prefix}</span></a></td>
  </tr>`,
  )}
  </tbody>
</table></div>`;
}

/** Bulk revocation: the conditions are sent with GET to a page that counts the matches before Confirm. */
export function bulkRevokeForm(values: BulkRevokeForm, errors: FormErrors): Html {
  return html`<section class="card" aria-labelledby="bulk-title">
  <h2 id="bulk-title">Revoke tokens in bulk</h2>
  <p class="muted small">Choose at least one condition. You will see how many tokens match before anything is revoked.</p>
  ${errors.filter ? html`<div class="flash flash-error" role="alert">${errors.filter.join(' ')}</div>` : ''}
  <form method="get" action="/admin/tokens/revoke" novalidate>
    <div class="grid-2">
      ${textField({ id: 'bulk-client', name: 'client', label: 'Client', value: values.client, errors: errors.client, hint: CLIENT_HINT, maxlength: 255 })}
      ${textField({ id: 'bulk-user', name: 'user', label: 'User', value: values.user, errors: errors.user, hint: USER_HINT, maxlength: 255 })}
      ${textField({ id: 'bulk-name', name: 'name', label: 'Token name', value: values.name, errors: errors.name, maxlength: 255 })}
      ${textField({ id: 'bulk-before', name: 'before', label: 'Created before', type: 'date', value: values.before, errors: errors.before })}
    </div>
    <button type="submit" class="btn btn-danger">Revoke matching tokens…</button>
  </form>
</section>`;
}

/** One token before it is revoked: what it is, whose, and what stops with it. */
export function tokenSummary(t: TokenOverview): Html {
  return html`<dl class="meta">
  <dt>Kind</dt><dd>${KIND_LABELS[t.kind] ?? t.kind}</dd>
  ${t.name ? html`<dt>Name</dt><dd>${t.name}</dd>` : ''}
  <dt>Token</dt><dd><code>${t.prefix}…</code></dd>
  <dt>Client</dt><dd>${t.clientName}</dd>
  <dt>User</dt><dd>${t.username ?? '(the client itself)'}</dd>
  <dt>Created</dt><dd>${formatDate(t.createdAt)}</dd>
  <dt>Last used</dt><dd>${t.lastUsedAt ? formatDate(t.lastUsedAt) : 'Never'}</dd>
</dl>`;
}
