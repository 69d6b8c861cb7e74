/** Validation messages per field, as users see them (API 422 `errors`, console inline errors). */
export type FieldErrors = Record<string, string[]>;

/** Adds a message to a field once. */
export function addFieldError(errors: FieldErrors, field: string, message: string): void {
  const list = (errors[field] ??= []);
  if (!list.includes(message)) list.push(message);
}

export function hasFieldErrors(errors: FieldErrors): boolean {
  return Object.keys(errors).length > 0;
}
