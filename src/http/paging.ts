/**
 * Paging for the console's lists: the page and page size read from the query string, the links
 * that keep the other parameters, and the last page (a page past it is sent there, so a list never
 * says "Showing 1471–63 of 63").
 */
export const PAGE_SIZES = [15, 50, 100] as const;

export interface Paging {
  readonly page: number;
  readonly perPage: number;
}

/** `page` (from 1) and `per_page` (one of `sizes`, else the first) from a query string. */
export function readPaging(query: unknown, sizes: readonly number[] = PAGE_SIZES): Paging {
  const q = (query ?? {}) as Record<string, unknown>;
  const page = typeof q.page === 'string' && /^\d{1,7}$/.test(q.page) ? Math.max(1, Number(q.page)) : 1;
  const asked = typeof q.per_page === 'string' ? Number(q.per_page) : NaN;
  return { page, perPage: sizes.includes(asked) ? asked : sizes[0]! };
}

export function lastPageOf(total: number, perPage: number): number {
  return Math.max(1, Math.ceil(total / perPage));
}

/** A list URL with these parameters (empty ones left out; page 1 and the default size too). */
export function listUrl(path: string, query: Readonly<Record<string, string | undefined>>, paging: Paging, defaultSize: number = PAGE_SIZES[0]): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '' && k !== 'page' && k !== 'per_page') q.set(k, v);
  if (paging.perPage !== defaultSize) q.set('per_page', String(paging.perPage));
  if (paging.page > 1) q.set('page', String(paging.page));
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

/** Where to send a request for a page past the last one, or null when the page exists. */
export function pastLastPage(path: string, query: Readonly<Record<string, string | undefined>>, paging: Paging, total: number, defaultSize?: number): string | null {
  const last = lastPageOf(total, paging.perPage);
  return paging.page > last ? listUrl(path, query, { page: last, perPage: paging.perPage }, defaultSize) : null;
}
