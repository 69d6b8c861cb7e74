/** Reading a posted form (or a query string): one text value, or every value of a repeated field. */

/** The field's value (the first, if repeated), or '' when it is missing or not text. */
export function formText(body: unknown, name: string): string {
  const v = (body as Record<string, unknown> | null | undefined)?.[name];
  if (Array.isArray(v)) return typeof v[0] === 'string' ? v[0] : '';
  return typeof v === 'string' ? v : '';
}

/** Every text value of a field that may repeat (checkboxes). */
export function formList(body: unknown, name: string): string[] {
  const v = (body as Record<string, unknown> | null | undefined)?.[name];
  const list: unknown[] = Array.isArray(v) ? v : v === undefined ? [] : [v];
  return list.filter((x): x is string => typeof x === 'string');
}
