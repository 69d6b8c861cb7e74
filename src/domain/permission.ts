/** The four Auth Client permissions (INTERFACE.md, "Scopes and permissions"). */
export const PERMISSIONS = [
  'view-auth_clients',
  'create-auth_clients',
  'edit-auth_clients',
  'delete-auth_clients',
] as const;

export type Permission = (typeof PERMISSIONS)[number];

export function isPermission(value: unknown): value is Permission {
  return typeof value === 'string' && (PERMISSIONS as readonly string[]).includes(value);
}

/** An administrator holds every permission; anyone else holds what was granted. */
export function effectivePermissions(administrator: boolean, granted: readonly string[]): Permission[] {
  if (administrator) return [...PERMISSIONS];
  return PERMISSIONS.filter((p) => granted.includes(p));
}
