/** Pieces the console pages share: form fields with inline errors, pagination, secrets shown once. */
import { lastPageOf, listUrl } from '../paging.js';
import { html, type Html, type HtmlValue } from './html.js';

export type FormErrors = Record<string, string[] | undefined>;

function describedBy(id: string, errors: string[] | undefined, hint?: string): Html | string {
  const ids = [errors?.length ? `${id}-error` : '', hint ? `${id}-hint` : ''].filter(Boolean).join(' ');
  return ids ? html` aria-describedby="${ids}"` : '';
}

export function fieldError(id: string, errors: string[] | undefined): HtmlValue {
  if (!errors?.length) return null;
  // Several messages (one per bad redirect line, say) read best one per line.
  if (errors.length > 1) return html`<ul class="field-error list" id="${id}-error">${errors.map((e) => html`<li>${e}</li>`)}</ul>`;
  return html`<div class="field-error" id="${id}-error">${errors[0]}</div>`;
}

export function textField(options: {
  id: string;
  name: string;
  label: string;
  value?: string;
  type?: 'text' | 'password' | 'search' | 'number' | 'date' | 'url';
  errors?: string[];
  hint?: string;
  required?: boolean;
  autocomplete?: string;
  maxlength?: number;
}): Html {
  const invalid = options.errors?.length ? html` aria-invalid="true"` : '';
  return html`<div class="field">
  <label for="${options.id}">${options.label}</label>
  <input type="${options.type ?? 'text'}" id="${options.id}" name="${options.name}" value="${options.value ?? ''}"${options.required ? html` required` : ''}${options.maxlength ? html` maxlength="${options.maxlength}"` : ''}${options.autocomplete ? html` autocomplete="${options.autocomplete}"` : ''}${invalid}${describedBy(options.id, options.errors, options.hint)}>
  ${options.hint ? html`<div class="hint" id="${options.id}-hint">${options.hint}</div>` : ''}
  ${fieldError(options.id, options.errors)}
</div>`;
}

export function textArea(options: { id: string; name: string; label: string; value?: string; errors?: string[]; hint?: string }): Html {
  const invalid = options.errors?.length ? html` aria-invalid="true"` : '';
  return html`<div class="field">
  <label for="${options.id}">${options.label}</label>
  <textarea id="${options.id}" name="${options.name}"${invalid}${describedBy(options.id, options.errors, options.hint)}>${options.value ?? ''}</textarea>
  ${options.hint ? html`<div class="hint" id="${options.id}-hint">${options.hint}</div>` : ''}
  ${fieldError(options.id, options.errors)}
</div>`;
}

export function checkbox(options: { id: string; name: string; value: string; label: string; checked?: boolean; toggles?: string }): Html {
  return html`<label class="checkbox" for="${options.id}"><input type="checkbox" id="${options.id}" name="${options.name}" value="${options.value}"${options.checked ? html` checked` : ''}${options.toggles ? html` data-toggles="${options.toggles}"` : ''}> <span>${options.label}</span></label>`;
}

/** A Copy button for the text of element `targetId` (public/app.js does the copying). */
export function copyButton(targetId: string, label = 'Copy'): Html {
  return html`<button type="button" class="btn btn-secondary btn-small" data-copy-target="${targetId}">${label}</button>`;
}

/**
 * A URL that wraps only where a reader expects it (after a slash, before ? and &), never inside a
 * word; a single part longer than the line still breaks (CSS overflow-wrap).
 */
export function breakableUrl(url: string): Html {
  // "https://host/" stays whole; the path breaks after each slash, the query before ? and &.
  const scheme = url.indexOf('://');
  const slash = scheme >= 0 ? url.indexOf('/', scheme + 3) : -1;
  const head = slash >= 0 ? url.slice(0, slash + 1) : url;
  const parts = [head, ...(slash >= 0 ? url.slice(slash + 1).split(/(?<=\/)|(?=[?&])/) : [])].filter((p) => p !== '');
  return html`${parts.map((part, i) => (i === 0 ? part : html`<wbr>${part}`))}`;
}

/** The row a table shows when it has nothing to list: what that means and what to do next. */
export function emptyRow(columns: number, message: HtmlValue): Html {
  return html`<tr class="empty-row"><td colspan="${columns}" class="empty">${message}</td></tr>`;
}

export function hiddenCsrf(token: string): Html {
  return html`<input type="hidden" name="_csrf" value="${token}">`;
}

/** A secret or token shown once, with a Copy button and the warning. */
export function secretReveal(options: { id: string; label: string; value: string; warning: string }): Html {
  return html`<section class="card" aria-labelledby="${options.id}-label">
  <h2 id="${options.id}-label">${options.label}</h2>
  <p class="warning" role="note">${options.warning}</p>
  <div class="secret-box"><code id="${options.id}">${options.value}</code>
    <button type="button" class="btn btn-secondary btn-small" data-copy-target="${options.id}">Copy</button></div>
</section>`;
}

/**
 * "Showing 16–30 of 120", First / Previous / Page 2 of 8 / Next / Last links that keep the other
 * query parameters, and, with `sizes`, a choice of page size. Nothing is said of an empty list
 * (its empty state does).
 */
export function pagination(options: {
  path: string;
  query: Readonly<Record<string, string | undefined>>;
  page: number;
  perPage: number;
  total: number;
  /** Page sizes to offer (the first is the default). */
  sizes?: readonly number[];
}): Html {
  const { page, perPage, total, path, query } = options;
  const defaultSize = options.sizes?.[0] ?? perPage;
  const pages = lastPageOf(total, perPage);
  const link = (p: number, size = perPage) => listUrl(path, query, { page: p, perPage: size }, defaultSize);
  const from = (page - 1) * perPage + 1;
  const to = Math.min(total, page * perPage);
  const nav = (p: number, label: string, rel?: string) => html`<a class="btn btn-secondary btn-small" href="${link(p)}"${rel ? html` rel="${rel}"` : ''}>${label}</a>`;
  return html`<nav class="pagination" aria-label="Pagination">
  <span class="muted small">${total === 0 ? '' : from > total ? `Page ${page} is past the end` : `Showing ${from}–${to} of ${total}`}</span>
  ${pages > 1
    ? html`<span class="actions">
    ${page > 1 ? html`${nav(1, 'First')}${nav(page - 1, 'Previous', 'prev')}` : ''}
    <span class="small">Page ${page} of ${pages}</span>
    ${page < pages ? html`${nav(page + 1, 'Next', 'next')}${nav(pages, 'Last')}` : ''}
  </span>`
    : ''}
  ${options.sizes && total > options.sizes[0]!
    ? html`<span class="per-page small">Per page:${options.sizes.map((size) =>
        size === perPage ? html` <strong aria-current="true">${size}</strong>` : html` <a href="${link(1, size)}">${size}</a>`,
      )}</span>`
    : ''}
</nav>`;
}

/** A page-level confirmation for destructive actions (works without script and by keyboard). */
export function confirmCard(options: { title: string; message: HtmlValue; action: string; csrf: string; cancelHref: string; fields?: Record<string, string> }): Html {
  return html`<section class="card" role="alertdialog" aria-labelledby="confirm-title" aria-describedby="confirm-message">
  <h1 id="confirm-title">${options.title}</h1>
  <div id="confirm-message">${options.message}</div>
  <form method="post" action="${options.action}" class="actions">
    ${hiddenCsrf(options.csrf)}
    ${Object.entries(options.fields ?? {}).map(([k, v]) => html`<input type="hidden" name="${k}" value="${v}">`)}
    <button type="submit" class="btn btn-danger">Confirm</button>
    <a class="btn btn-secondary" href="${options.cancelHref}">Cancel</a>
  </form>
</section>`;
}
