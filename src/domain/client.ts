/** Auth Clients: the grant types a client may hold and how they map to OAuth grant types. */
export const CLIENT_TYPES = [
  'authorization_code_grant',
  'password_client',
  'personal_access_client',
  'client_credentials_grant',
  'device_code_grant',
] as const;
export type ClientType = (typeof CLIENT_TYPES)[number];

export function isClientType(value: unknown): value is ClientType {
  return typeof value === 'string' && (CLIENT_TYPES as readonly string[]).includes(value);
}

/** How a token came to be; the client must still hold the matching type for the token to work. */
export const TOKEN_ORIGINS = ['authorization_code', 'password', 'client_credentials', 'personal_access', 'device_code'] as const;
export type TokenOrigin = (typeof TOKEN_ORIGINS)[number];

export const CLIENT_TYPE_FOR_ORIGIN: Readonly<Record<TokenOrigin, ClientType>> = {
  authorization_code: 'authorization_code_grant',
  password: 'password_client',
  client_credentials: 'client_credentials_grant',
  personal_access: 'personal_access_client',
  device_code: 'device_code_grant',
};

/** The types a public client (no secret) may hold: the grants where the user signs in at Keygate (RFC 9700 §2.1.1, RFC 8628 §3.1). */
export const PUBLIC_CLIENT_TYPES: readonly ClientType[] = ['authorization_code_grant', 'device_code_grant'];

/** True when a client with these types may still use tokens that came from `origin`. */
export function clientAllowsOrigin(types: readonly string[], origin: string): boolean {
  const needed = CLIENT_TYPE_FOR_ORIGIN[origin as TokenOrigin];
  return needed !== undefined && types.includes(needed);
}

export interface Client {
  readonly id: string;
  readonly name: string;
  readonly types: ClientType[];
  readonly redirect: string[];
  readonly confidential: boolean;
  readonly trusted: boolean;
  /** May introspect every token (a resource server), not only its own. */
  readonly introspectAll: boolean;
  /** Permissions this client holds when it acts as itself (client credentials). */
  readonly permissions: string[];
  /** The scopes the client may ask for. */
  readonly scopes: string[];
  /** PKCE required at the authorization endpoint (always, for a public client). */
  readonly requirePkce: boolean;
  /** Browser origins allowed by CORS besides a public client's redirect origins. */
  readonly allowedOrigins: string[];
  readonly createdBy: string | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/**
 * A client as the API and the CLI print it (INTERFACE.md, "Client response"): snake_case, ISO
 * times, and the secret only in the answer that created or regenerated it.
 */
export interface ClientWire {
  readonly id: string;
  readonly name: string;
  readonly types: ClientType[];
  readonly redirect: string[];
  readonly confidential: boolean;
  readonly trusted: boolean;
  readonly introspect_all: boolean;
  readonly permissions: string[];
  readonly scopes: string[];
  readonly require_pkce: boolean;
  readonly allowed_origins: string[];
  readonly created_by: string | null;
  readonly created_at: string;
  readonly updated_at: string;
  readonly secret?: string;
}

export function clientWireForm(client: Client, secret?: string | null): ClientWire {
  return {
    id: client.id,
    name: client.name,
    types: client.types,
    redirect: client.redirect,
    confidential: client.confidential,
    trusted: client.trusted,
    introspect_all: client.introspectAll,
    permissions: client.permissions,
    scopes: client.scopes,
    require_pkce: client.requirePkce,
    allowed_origins: client.allowedOrigins,
    created_by: client.createdBy,
    created_at: client.createdAt.toISOString(),
    updated_at: client.updatedAt.toISOString(),
    ...(secret ? { secret } : {}),
  };
}
