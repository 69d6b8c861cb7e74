/**
 * RFC 6749 §4.4 client credentials grant: the token acts as the client itself (no user), with the
 * permissions an administrator granted the client. No refresh token (§4.4.3: "A refresh token
 * SHOULD NOT be included"). The hot path of the benchmarks: one insert (and a catalog read only
 * when a custom scope is involved).
 */
import type { GrantHandler } from '../grant-handler.js';
import { issueTokens } from '../issue-tokens.js';
import { resolveGrantScopes } from '../scope-resolution.js';

export const clientCredentialsGrant = {
  grantType: 'client_credentials',
  parameters: new Set(['scope']),
  origin: 'client_credentials',
  async handle(req, { client }, deps) {
    const scopes = await resolveGrantScopes(req.params.get('scope'), client, deps.scopes);
    const issued = issueTokens(
      { clientId: client.id, userId: null, scopes, origin: 'client_credentials', grantId: null, withRefreshToken: false },
      deps.config,
      deps.now(),
    );
    await deps.tokens.insertTokens(issued.rows);
    return issued.response;
  },
} satisfies GrantHandler;
