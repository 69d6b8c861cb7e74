/** The Tokens page's pieces: the filter bar, the token table with the rotation flag, the bulk-revoke form. */
import { TOKEN_KINDS } from '../../domain/token.js';
import type { TokenOverview } from '../../store/token-admin-store.js';
import { hiddenCsrf, textField, type FormErrors } from './components.js';
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

type ClientOption = { readonly id: string; readonly name: string };

function clientSelect(id: string, value: string, clients: readonly ClientOption[], errors?: string[]): Html {
  return html`<div class="field"><label for="${id}">Client</label>
  <select id="${id}" name="client"${errors?.length ? html` aria-invalid="true"` : ''}>
    <option value="">Any client</option>
    ${clients.map((c) => html`<option value="${c.id}"${c.id === value ? html` selected` : ''}>${c.name}</option>`)}
  </select>${errors?.length ? html`<div class="field-error">${errors.join(' ')}</div>` : ''}</div>`;
}

export function tokenFilterBar(values: TokenFilterForm, clients: readonly ClientOption[], errors: FormErrors): Html {
  return html`<form method="get" action="/admin/tokens" class="toolbar" role="search" aria-label="Filter tokens">
  ${clientSelect('filter-client', values.client, clients, errors.client)}
  ${textField({ id: 'filter-user', name: 'user', label: 'User', value: values.user, errors: errors.user, hint: 'Username or id' })}
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

export function tokenHygieneTable(tokens: readonly TokenOverview[], rotationDays: number): Html {
  return html`<div class="table-wrap"><table>
  <caption class="muted small">Active tokens. <span class="badge badge-orange">Rotate</span> marks tokens older than ${rotationDays} days.</caption>
  <thead><tr><th scope="col">Kind</th><th scope="col">Name</th><th scope="col">Token</th><th scope="col">Client</th><th scope="col">User</th><th scope="col">Scopes</th><th scope="col">Created</th><th scope="col">Expires</th><th scope="col">Last used</th></tr></thead>
  <tbody>
  ${tokens.length === 0 ? html`<tr><td colspan="9" class="empty">No active tokens match.</td></tr>` : ''}
  ${tokens.map(
    (t) => html`<tr data-token-id="${t.id}">
    <td>${KIND_LABELS[t.kind] ?? t.kind}</td>
    <td>${t.name ?? '—'}</td>
    <td><code>${t.prefix}…</code></td>
    <td>${t.clientName}</td>
    <td>${t.username ?? html`<span class="muted">(client itself)</span>`}</td>
    <td>${t.scopes.map((s) => html`<span class="badge">${s}</span>`)}</td>
    <td>${formatDate(t.createdAt)}${t.needsRotation ? html` <span class="badge badge-orange" title="Older than the rotation policy">Rotate</span>` : ''}</td>
    <td>${t.expiresAt ? formatDate(t.expiresAt) : 'Never'}</td>
    <td>${t.lastUsedAt ? formatDate(t.lastUsedAt) : 'Never'}</td>
  </tr>`,
  )}
  </tbody>
</table></div>`;
}

export function bulkRevokeForm(csrf: string, values: BulkRevokeForm, clients: readonly ClientOption[], errors: FormErrors): Html {
  return html`<section class="card" aria-labelledby="bulk-title">
  <h2 id="bulk-title">Revoke tokens in bulk</h2>
  <p class="muted small">Choose at least one condition. You will see how many tokens match before anything is revoked.</p>
  ${errors.filter ? html`<div class="flash flash-error" role="alert">${errors.filter.join(' ')}</div>` : ''}
  <form method="post" action="/admin/tokens/revoke/preview" novalidate>
    ${hiddenCsrf(csrf)}
    <div class="grid-2">
      ${clientSelect('bulk-client', values.client, clients, errors.client)}
      ${textField({ id: 'bulk-user', name: 'user', label: 'User', value: values.user, errors: errors.user, hint: 'Username or id' })}
      ${textField({ id: 'bulk-name', name: 'name', label: 'Token name', value: values.name, errors: errors.name, maxlength: 255 })}
      ${textField({ id: 'bulk-before', name: 'before', label: 'Created before', type: 'date', value: values.before, errors: errors.before })}
    </div>
    <button type="submit" class="btn btn-danger">Revoke matching tokens…</button>
  </form>
</section>`;
}
