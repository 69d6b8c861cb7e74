/**
 * RFC 7009 token revocation. The client authenticates (a public client with its client_id);
 * "The authorization server responds with HTTP status code 200 if the token has been revoked
 * successfully or if the client submitted an invalid token" (§2.2), so unknown tokens, tokens
 * of other clients and already revoked tokens all get the same 200 and nothing happens.
 */
import { bearerTokenKind, hashSecret, isWellFormedSecret } from '../domain/secret.js';
import type { ClientStore } from '../store/client-store.js';
import type { TokenStore } from '../store/token-store.js';
import { authenticateClient } from './client-auth.js';
import { requireParam } from './grant-handler.js';

export interface RevocationDeps {
  readonly clients: Pick<ClientStore, 'findById' | 'secretMatches'>;
  readonly tokens: Pick<TokenStore, 'findByHash' | 'revokeById' | 'revokeGrant'>;
  readonly now: () => number;
}

export async function revokeToken(input: { params: ReadonlyMap<string, string>; authorization: string | undefined }, deps: RevocationDeps): Promise<void> {
  const { client } = await authenticateClient(input, deps.clients);
  const token = requireParam(input.params, 'token');
  // token_type_hint is optional and only a hint (§2.1); the prefix tells the kind anyway.
  const kind = bearerTokenKind(token);
  if (kind === null || !isWellFormedSecret(token, kind)) return;
  const hash = hashSecret(token);
  const record = await deps.tokens.findByHash(hash);
  if (!record || record.clientId !== client.id || record.revokedAt !== null) return;
  const nowMs = deps.now();
  if (record.kind === 'refresh_token' && record.grantId !== null) {
    // §2.1: "If the token passed to the request is a refresh token …, then the authorization
    // server SHOULD also invalidate all access tokens based on the same authorization grant".
    await deps.tokens.revokeGrant(record.grantId, nowMs);
    return;
  }
  await deps.tokens.revokeById(record.id, nowMs, { withChildren: record.kind === 'refresh_token' });
}
