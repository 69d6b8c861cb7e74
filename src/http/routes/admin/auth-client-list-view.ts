/** The Auth Clients list: search, sort (submitted with a button), rows with copyable ids, paging. */
import type { Client } from '../../../domain/client.js';
import type { ClientTokenStats } from '../../../store/client-store.js';
import { PAGE_SIZES } from '../../paging.js';
import { breakableUrl, copyButton, emptyRow, pagination } from '../../views/components.js';
import { formatDate, html, type Html } from '../../views/html.js';
import { CLIENTS_PATH, clientPath, typeBadges, type ClientPermissions } from './auth-client-views.js';

export interface ClientListView {
  readonly clients: readonly Client[];
  readonly stats: ReadonlyMap<string, ClientTokenStats>;
  readonly total: number;
  readonly page: number;
  readonly perPage: number;
  readonly filter: string;
  readonly orderBy: 'created_at' | 'name';
  readonly can: ClientPermissions;
  /** This list's own address (with its search), for the pages a row leads to. */
  readonly self: string;
  readonly filterErrors?: readonly string[];
}

/** The day, with the full time on hover. */
function shortDate(d: Date): Html {
  return html`<time datetime="${d.toISOString()}" title="${formatDate(d)}">${d.toISOString().slice(0, 10)}</time>`;
}

function row(c: Client, s: ClientTokenStats | undefined, view: ClientListView): Html {
  const back = view.self === CLIENTS_PATH ? {} : { back: view.self };
  const { can } = view;
  return html`<tr data-client-id="${c.id}">
  <td data-label="Name" class="name-cell">
    <a class="client-name" href="${clientPath(c.id, back)}">${c.name}</a>${c.confidential ? '' : html` <span class="badge badge-gray">Public</span>`}${c.trusted ? html` <span class="badge badge-gray">Trusted</span>` : ''}
    <div class="id-line"><code class="client-id" id="cid-${c.id}">${c.id}</code>${copyButton(`cid-${c.id}`)}</div>
  </td>
  <td data-label="Redirect" class="redirects">${c.redirect.length ? c.redirect.map((r) => html`<div class="mono small url">${breakableUrl(r)}</div>`) : html`<span class="muted">—</span>`}</td>
  <td data-label="Grant types" class="types-cell">${typeBadges(c.types)}</td>
  <td data-label="Created" class="nowrap small">${shortDate(c.createdAt)}</td>
  <td data-label="Active tokens" class="num">${s?.activeTokens ?? 0}</td>
  <td data-label="Last used" class="nowrap small">${s?.lastUsedAt ? shortDate(s.lastUsedAt) : html`<span class="muted">Never</span>`}</td>
  <td class="row-actions">${can.edit ? html`<a class="btn btn-secondary btn-small" href="${clientPath(c.id)}/edit${view.self === CLIENTS_PATH ? '' : `?back=${encodeURIComponent(view.self)}`}">Edit<span class="visually-hidden"> Auth Client</span></a>` : ''}${can.delete ? html`<a class="btn btn-danger-outline btn-small" href="${clientPath(c.id)}/delete${view.self === CLIENTS_PATH ? '' : `?back=${encodeURIComponent(view.self)}`}">Delete<span class="visually-hidden"> Auth Client</span></a>` : ''}</td>
</tr>`;
}

function emptyState(view: ClientListView): Html {
  if (view.filter) {
    return html`No Auth Client matches “${view.filter}”. <a href="${CLIENTS_PATH}">Clear the search</a> or try part of a name or redirect URL.`;
  }
  return view.can.create
    ? html`No Auth Clients yet. <a href="${CLIENTS_PATH}/new">Create the first one</a>: an application that will call the API.`
    : html`No Auth Clients yet. Someone who may create them can add the first one.`;
}

export function clientListBody(view: ClientListView): Html {
  const rows = view.clients.map((c) => row(c, view.stats.get(c.id), view));
  return html`<div class="page-header">
  <h1>Auth Clients</h1>
  ${view.can.create ? html`<a class="btn btn-primary" href="${CLIENTS_PATH}/new">+ Auth Client</a>` : ''}
</div>
<p class="muted lead">Applications allowed to call the API, and how they obtain tokens. Secrets are never shown again after they are created.</p>
<form method="get" action="${CLIENTS_PATH}" class="toolbar" role="search">
  <div class="field grow">
    <label for="filter">Search</label>
    <input type="search" id="filter" name="filter" value="${view.filter}" maxlength="200" placeholder="Name or redirect URL"${view.filterErrors?.length ? html` aria-invalid="true" aria-describedby="filter-error"` : ''}>
    ${view.filterErrors?.length ? html`<div class="field-error" id="filter-error">${view.filterErrors.join(' ')}</div>` : ''}
  </div>
  <div class="field">
    <label for="order_by">Sort by</label>
    <select id="order_by" name="order_by">
      <option value="created_at"${view.orderBy === 'created_at' ? html` selected` : ''}>Newest first</option>
      <option value="name"${view.orderBy === 'name' ? html` selected` : ''}>Name</option>
    </select>
  </div>
  ${view.perPage !== PAGE_SIZES[0] ? html`<input type="hidden" name="per_page" value="${view.perPage}">` : ''}
  <button type="submit" class="btn btn-secondary">Search</button>
  ${view.filter ? html`<a class="btn btn-link" href="${CLIENTS_PATH}">Clear</a>` : ''}
</form>
<div class="table-wrap">
<table class="clients-table stacked">
  <caption class="visually-hidden">Auth Clients</caption>
  <thead><tr><th scope="col">Name and client ID</th><th scope="col">Redirect</th><th scope="col">Grant types</th><th scope="col">Created</th><th scope="col" class="num">Active tokens</th><th scope="col">Last used</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
  <tbody>
  ${rows.length ? rows : emptyRow(7, emptyState(view))}
  </tbody>
</table>
</div>
${pagination({ path: CLIENTS_PATH, query: { filter: view.filter, order_by: view.orderBy === 'name' ? 'name' : undefined }, page: view.page, perPage: view.perPage, total: view.total, sizes: PAGE_SIZES })}`;
}
