/**
 * POST /oauth/token (RFC 6749 §3.2) as a list of small named steps: find the grant handler
 * (`unsupported_grant_type` first), authenticate the client, check the client may use the grant,
 * keep only the handler's parameters, run the handler. No framework here: the HTTP adapter parses
 * the body and writes the response (src/http/routes/oauth/token.ts).
 */
import type { ClientType } from '../domain/client.js';
import type { ClientStore } from '../store/client-store.js';
import { TokenOwnerGoneError } from '../store/token-store.js';
import { authenticateClient } from './client-auth.js';
import { InvalidClientError, InvalidGrantError, UnauthorizedClientError, UnsupportedGrantTypeError } from './errors.js';
import { requireParam, type AuthenticatedClient, type GrantDeps, type GrantHandler, type GrantType, type TokenResponse } from './grant-handler.js';
import { authorizationCodeGrant } from './grants/authorization-code.js';
import { clientCredentialsGrant } from './grants/client-credentials.js';
import { deviceCodeGrant } from './grants/device-code.js';
import { passwordGrant } from './grants/password.js';
import { refreshTokenGrant } from './grants/refresh-token.js';

export const GRANT_HANDLERS: ReadonlyMap<string, GrantHandler> = new Map<GrantType, GrantHandler>([
  [authorizationCodeGrant.grantType, authorizationCodeGrant],
  [passwordGrant.grantType, passwordGrant],
  [refreshTokenGrant.grantType, refreshTokenGrant],
  [clientCredentialsGrant.grantType, clientCredentialsGrant],
  [deviceCodeGrant.grantType, deviceCodeGrant],
]);

/** The client types that allow each grant (refresh: any type whose tokens come with a refresh token). */
const CLIENT_TYPES_FOR_GRANT: Readonly<Record<GrantType, readonly ClientType[]>> = {
  authorization_code: ['authorization_code_grant'],
  password: ['password_client'],
  client_credentials: ['client_credentials_grant'],
  refresh_token: ['authorization_code_grant', 'password_client', 'device_code_grant'],
  'urn:ietf:params:oauth:grant-type:device_code': ['device_code_grant'],
};

/** A public client may use only the authorization code grant (with PKCE), the device grant and refresh (INTERFACE.md). */
const PUBLIC_CLIENT_GRANTS: ReadonlySet<GrantType> = new Set(['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code']);

/** RFC 6749 §5.2 unauthorized_client: "not authorized to use this authorization grant type". */
export function checkClientAllowsGrant({ client }: AuthenticatedClient, grantType: GrantType): void {
  if (!client.confidential && !PUBLIC_CLIENT_GRANTS.has(grantType)) {
    throw new UnauthorizedClientError('A public client may use only the authorization_code, device_code and refresh_token grants.');
  }
  if (!CLIENT_TYPES_FOR_GRANT[grantType].some((t) => client.types.includes(t))) {
    throw new UnauthorizedClientError(`This client is not allowed to use the ${grantType} grant.`);
  }
}

export interface TokenEndpointInput {
  readonly params: ReadonlyMap<string, string>;
  readonly authorization: string | undefined;
  readonly ip: string;
}

export interface TokenEndpointDeps extends GrantDeps {
  readonly clients: Pick<ClientStore, 'findById' | 'secretMatches'>;
}

export interface TokenEndpointResult {
  readonly response: TokenResponse;
  readonly clientId: string;
  readonly grantType: GrantType;
}

export async function handleTokenRequest(input: TokenEndpointInput, deps: TokenEndpointDeps): Promise<TokenEndpointResult> {
  const grantType = requireParam(input.params, 'grant_type');
  const handler = GRANT_HANDLERS.get(grantType);
  if (!handler) throw new UnsupportedGrantTypeError(`The grant type "${grantType.slice(0, 50)}" is not supported.`);
  const client = await authenticateClient(input, deps.clients);
  checkClientAllowsGrant(client, handler.grantType);
  const params = new Map<string, string>();
  for (const name of handler.parameters) {
    const value = input.params.get(name);
    if (value !== undefined) params.set(name, value);
  }
  try {
    const response = await handler.handle({ params, ip: input.ip }, client, deps);
    return { response, clientId: client.client.id, grantType: handler.grantType };
  } catch (err) {
    if (!(err instanceof TokenOwnerGoneError)) throw err;
    // The client (or the user) was deleted while this request ran: nothing was issued.
    if ((await deps.clients.findById(client.client.id)) === null) {
      throw new InvalidClientError(client.method === 'client_secret_basic', 'The client no longer exists.', { cause: err });
    }
    throw new InvalidGrantError('The user of this grant no longer exists.', { cause: err });
  }
}
