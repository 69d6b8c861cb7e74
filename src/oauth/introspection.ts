/**
 * RFC 7662 token introspection. Only an authenticated (confidential) client may ask; it learns
 * about tokens issued to itself, or about any token when an administrator marked it "may
 * introspect all tokens" (a resource server). Validity is the one token check's decision.
 */
import type { TokenPrincipal } from '../domain/token.js';
import type { ClientStore } from '../store/client-store.js';
import { authenticateClient } from './client-auth.js';
import { InvalidClientError } from './errors.js';
import { requireParam } from './grant-handler.js';
import type { TokenCheck } from './token-check.js';

export interface IntrospectionDeps {
  readonly clients: Pick<ClientStore, 'findById' | 'secretMatches'>;
  readonly tokenCheck: Pick<TokenCheck, 'check'>;
}

export type IntrospectionResponse =
  | { readonly active: false }
  | {
      readonly active: true;
      readonly scope: string;
      readonly client_id: string;
      readonly username?: string;
      readonly sub: string;
      readonly token_type: 'Bearer';
      readonly kind: TokenPrincipal['kind'];
      readonly exp?: number;
      readonly iat: number;
    };

const seconds = (date: Date): number => Math.floor(date.getTime() / 1000);

export async function introspectToken(
  input: { params: ReadonlyMap<string, string>; authorization: string | undefined },
  deps: IntrospectionDeps,
): Promise<IntrospectionResponse> {
  const authenticated = await authenticateClient(input, deps.clients);
  // §2.1: "the endpoint MUST also require some form of authorization"; a public client proves nothing.
  if (authenticated.method === 'none') throw new InvalidClientError(false, 'Introspection requires a confidential client.');
  const token = requireParam(input.params, 'token');
  const principal = await deps.tokenCheck.check(token);
  if (!principal) return { active: false };
  // §4: a client must not learn about tokens it has no business with; "inactive" says nothing.
  if (principal.clientId !== authenticated.client.id && !authenticated.client.introspectAll) return { active: false };
  return {
    active: true,
    scope: principal.scopes.join(' '),
    client_id: principal.clientId,
    ...(principal.username !== null ? { username: principal.username } : {}),
    sub: principal.userId ?? principal.clientId,
    token_type: 'Bearer',
    kind: principal.kind,
    ...(principal.expiresAt !== null ? { exp: seconds(principal.expiresAt) } : {}),
    iat: seconds(principal.issuedAt),
  };
}
