/**
 * Client authentication at /oauth/token, /oauth/revoke and /oauth/introspect (RFC 6749 §2.3):
 * one strategy per method — HTTP Basic (client_secret_basic), body parameters
 * (client_secret_post), or none for a public client (client_id only) — picked from what the
 * request carries. Two methods at once are `invalid_request` (§2.3: "MUST NOT use more than one
 * authentication method in each request"). Secrets are compared as SHA-256 digests in constant time.
 */
import type { ClientStore } from '../store/client-store.js';
import { InvalidClientError, InvalidRequestError } from './errors.js';
import type { AuthenticatedClient } from './grant-handler.js';

export interface ClientAuthInput {
  readonly authorization: string | undefined;
  readonly params: ReadonlyMap<string, string>;
}

type ClientLookup = Pick<ClientStore, 'findById' | 'secretMatches'>;

interface PresentedCredentials {
  readonly method: AuthenticatedClient['method'];
  readonly clientId: string;
  readonly secret: string | null;
}

/** RFC 6749 §2.3.1: Basic credentials are form-urlencoded before base64 (RFC 7617). */
function formDecode(value: string): string {
  if (!value.includes('%') && !value.includes('+')) return value;
  return decodeURIComponent(value.replace(/\+/g, ' '));
}

function parseBasic(header: string): { clientId: string; secret: string } {
  // RFC 6749 §5.2 invalid_client: "If the client attempted to authenticate via the "Authorization"
  // request header field, the authorization server MUST respond with an HTTP 401 (Unauthorized)
  // status code and include the "WWW-Authenticate" response header field" — here, the scheme we take.
  if (header.length < 7 || header.slice(0, 6).toLowerCase() !== 'basic ') {
    throw new InvalidClientError(true, 'Only the Basic authorization scheme is accepted here.');
  }
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) throw new InvalidClientError(true, 'The Basic credentials are malformed.');
  try {
    return { clientId: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
  } catch {
    throw new InvalidClientError(true, 'The Basic credentials are malformed.');
  }
}

/** Which method the request uses, without looking anything up. */
export function presentedCredentials(input: ClientAuthInput): PresentedCredentials {
  const bodyId = input.params.get('client_id');
  const bodySecret = input.params.get('client_secret');
  if (input.authorization !== undefined) {
    const basic = parseBasic(input.authorization);
    if (bodySecret !== undefined || (bodyId !== undefined && bodyId !== basic.clientId)) {
      throw new InvalidRequestError('Use one client authentication method: HTTP Basic or body parameters, not both.');
    }
    return { method: 'client_secret_basic', clientId: basic.clientId, secret: basic.secret };
  }
  if (bodyId === undefined) throw new InvalidClientError(false, 'Client authentication is required.');
  if (bodySecret !== undefined) return { method: 'client_secret_post', clientId: bodyId, secret: bodySecret };
  return { method: 'none', clientId: bodyId, secret: null };
}

/** Authenticates the client or throws `InvalidClientError` (401). */
export async function authenticateClient(input: ClientAuthInput, clients: ClientLookup): Promise<AuthenticatedClient> {
  const presented = presentedCredentials(input);
  const usedBasic = presented.method === 'client_secret_basic';
  const client = presented.clientId.length <= 100 ? await clients.findById(presented.clientId) : null;
  if (!client) throw new InvalidClientError(usedBasic);
  if (client.confidential) {
    // A confidential client must prove itself with its secret (RFC 6749 §3.2.1).
    if (presented.secret === null || !clients.secretMatches(client, presented.secret)) throw new InvalidClientError(usedBasic);
  } else if (presented.method !== 'none') {
    // A public client has no secret; it sends only client_id (INTERFACE.md).
    throw new InvalidClientError(usedBasic, 'A public client authenticates with client_id only.');
  }
  return { client, method: presented.method };
}
