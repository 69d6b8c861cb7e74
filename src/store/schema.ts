/**
 * The Kysely table types. One schema for SQLite and PostgreSQL: ids are text (UUIDs), times are
 * int8 milliseconds since the epoch, booleans are 0/1 integers. Stores convert rows to domain
 * types (Date, boolean, arrays), so nothing above `src/store` sees dialect differences.
 */
import type { ColumnType, Generated } from 'kysely';

export interface UsersTable {
  id: string;
  username: string;
  /** lower(trim(username)): the unique key, so names differ by more than case. */
  username_key: string;
  password_hash: string;
  administrator: number;
  created_at: number;
  updated_at: number;
}

export interface PermissionsTable {
  name: string;
  description: string;
}

export interface UserPermissionsTable {
  user_id: string;
  permission: string;
}

export interface SessionsTable {
  /** SHA-256 of the session cookie value; the raw id is never stored. */
  id_hash: string;
  user_id: string;
  created_at: number;
  expires_at: number;
  last_seen_at: number;
}

export interface ClientsTable {
  id: string;
  name: string;
  /** lower(trim(name)): unique, so the name rule holds in the store, not only in a form. */
  name_key: string;
  /** JSON array of ClientType. */
  types: string;
  /** JSON array of redirect URLs. */
  redirect: string;
  /** lower(name + ' ' + redirects): what the list filter searches. */
  search_text: string;
  confidential: number;
  trusted: number;
  introspect_all: number;
  /** JSON array of permissions the client holds when acting as itself. */
  permissions: string;
  /** JSON array of the scopes the client may ask for (migration 007; the column has a default). */
  scopes: ColumnType<string, string | undefined, string>;
  /** 1: PKCE required even though the client is confidential (public clients always need it). */
  require_pkce: ColumnType<number, number | undefined, number>;
  /** JSON array of browser origins allowed by CORS (besides public clients' redirect origins). */
  allowed_origins: ColumnType<string, string | undefined, string>;
  secret_hash: string | null;
  previous_secret_hash: string | null;
  previous_secret_expires_at: number | null;
  created_by: string | null;
  created_at: number;
  updated_at: number;
}

export interface AuthorizationCodesTable {
  id: string;
  code_hash: string;
  client_id: string;
  user_id: string;
  redirect_uri: string;
  /** Space-delimited scopes. */
  scopes: string;
  code_challenge: string | null;
  code_challenge_method: string | null;
  /** The grant (token family) the code starts; reuse of the code revokes it. */
  grant_id: string;
  created_at: number;
  expires_at: number;
  consumed_at: number | null;
}

/** RFC 8628 device authorization requests (migration 008). */
export interface DeviceCodesTable {
  id: string;
  device_code_hash: string;
  user_code_hash: string;
  client_id: string;
  /** Space-delimited scopes. */
  scopes: string;
  /** pending | approved | denied | used */
  status: string;
  user_id: string | null;
  interval_seconds: number;
  last_poll_at: number | null;
  created_at: number;
  expires_at: number;
}

export interface TokensTable {
  id: string;
  token_hash: string;
  /** access_token | refresh_token | personal_access_token */
  kind: string;
  /** Short non-secret start of the token, for display. */
  prefix: string;
  /** A personal access token's name; null for OAuth tokens. */
  name: string | null;
  client_id: string;
  user_id: string | null;
  /** Space-delimited scopes. */
  scopes: string;
  /** TokenOrigin: the grant the token descends from. */
  origin: string;
  /** The grant (family) id: all tokens from one authorization share it. */
  grant_id: string | null;
  /** The refresh token this token was issued from, if any. */
  parent_id: string | null;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
  /** When a refresh token was retired by rotation. */
  rotated_at: number | null;
  last_used_at: number | null;
}

/** Every column of `tokens`, in table order (for statements written by hand). */
export const TOKEN_COLUMNS = [
  'id', 'token_hash', 'kind', 'prefix', 'name', 'client_id', 'user_id', 'scopes', 'origin', 'grant_id', 'parent_id',
  'created_at', 'expires_at', 'revoked_at', 'rotated_at', 'last_used_at',
] as const satisfies ReadonlyArray<keyof TokensTable>;

/** The int8 columns of `tokens` (a hand-written PostgreSQL statement casts their parameters). */
export const TOKEN_INT8_COLUMNS: ReadonlySet<string> = new Set(['created_at', 'expires_at', 'revoked_at', 'rotated_at', 'last_used_at']);

export interface ConsentsTable {
  user_id: string;
  client_id: string;
  scopes: string;
  created_at: number;
  updated_at: number;
}

export interface AuditEventsTable {
  id: string;
  type: string;
  actor_id: string | null;
  actor_name: string | null;
  subject_type: string | null;
  subject_id: string | null;
  /** JSON object; never holds a secret. */
  details: string;
  created_at: number;
}

export interface RevocationEpochTable {
  id: number;
  epoch: number;
}

export interface ThrottleCountersTable {
  key: string;
  /** Failures in the current window. */
  count: number;
  /** Attempts reserved and not settled yet (valid until `pending_until`). */
  pending: number;
  pending_until: number;
  blocked_until: number;
  reset_at: number;
  /** The decision of the statement that last wrote the row (read back by that statement). */
  outcome: number;
}

export interface ScopesTable {
  /** An RFC 6749 §3.3 scope-token of at most 64 characters. */
  name: string;
  description: string;
  created_at: number;
}

export interface SettingsTable {
  key: string;
  value: string;
}

/** A secret or token made by a console form, sealed, until its page shows it once (src/services/one-time-results.ts). */
export interface OneTimeResultsTable {
  id: string;
  /** The digest of the session that made it; only that session may take it. */
  session_hash: string;
  /** AES-256-GCM sealed JSON (src/domain/sealed.ts); never the plain value. */
  sealed: string;
  created_at: number;
  expires_at: number;
}

export interface Database {
  users: UsersTable;
  permissions: PermissionsTable;
  user_permissions: UserPermissionsTable;
  sessions: SessionsTable;
  clients: ClientsTable;
  authorization_codes: AuthorizationCodesTable;
  device_codes: DeviceCodesTable;
  tokens: TokensTable;
  consents: ConsentsTable;
  audit_events: AuditEventsTable;
  revocation_epoch: RevocationEpochTable;
  throttle_counters: ThrottleCountersTable;
  settings: SettingsTable;
  scopes: ScopesTable;
  one_time_results: OneTimeResultsTable;
  kysely_migration?: { name: string; timestamp: Generated<string> };
}
