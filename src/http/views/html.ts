/**
 * A tiny HTML template tag that escapes every interpolated value unless it is already `Html`
 * (from another `html` template or `raw`). Arrays are joined; null, undefined and false vanish.
 */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

export type HtmlValue = Html | string | number | boolean | null | undefined | readonly HtmlValue[];

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof Html) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): Html {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1]!;
  return new Html(out);
}

/** Marks trusted markup (never user input) as HTML. */
export function raw(markup: string): Html {
  return new Html(markup);
}

export function formatDate(value: Date | null | undefined): string {
  if (!value) return '—';
  return value.toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
}
