/** Pieces the console pages share: form fields with inline errors, pagination, secrets shown once. */
import { html, type Html, type HtmlValue } from './html.js';

export type FormErrors = Record<string, string[] | undefined>;

function describedBy(id: string, errors: string[] | undefined, hint?: string): Html | string {
  const ids = [errors?.length ? `${id}-error` : '', hint ? `${id}-hint` : ''].filter(Boolean).join(' ');
  return ids ? html` aria-describedby="${ids}"` : '';
}

export function fieldError(id: string, errors: string[] | undefined): HtmlValue {
  if (!errors?.length) return null;
  return html`<div class="field-error" id="${id}-error">${errors.join(' ')}</div>`;
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

/** "Showing 1–15 of 120" with Previous/Next links that keep the other query parameters. */
export function pagination(options: { path: string; query: Record<string, string | undefined>; page: number; perPage: number; total: number }): Html {
  const { page, perPage, total } = options;
  const pages = Math.max(1, Math.ceil(total / perPage));
  const link = (p: number) => {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(options.query)) if (v !== undefined && v !== '' && k !== 'page') q.set(k, v);
    q.set('page', String(p));
    return `${options.path}?${q.toString()}`;
  };
  const from = total === 0 ? 0 : (page - 1) * perPage + 1;
  const to = Math.min(total, page * perPage);
  return html`<nav class="pagination" aria-label="Pagination">
  <span class="muted small">Showing ${from}–${to} of ${total}</span>
  <span class="actions">
    ${page > 1 ? html`<a class="btn btn-secondary btn-small" href="${link(page - 1)}" rel="prev">Previous</a>` : ''}
    <span class="small">Page ${page} of ${pages}</span>
    ${page < pages ? html`<a class="btn btn-secondary btn-small" href="${link(page + 1)}" rel="next">Next</a>` : ''}
  </span>
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
