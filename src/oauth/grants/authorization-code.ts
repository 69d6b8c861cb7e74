/**
 * RFC 6749 §4.1.3 access token request with an authorization code, bound by RFC 7636 (PKCE).
 * The code is consumed by one conditional UPDATE in the transaction that stores the tokens; a
 * code that fails any check is burnt; a second use revokes what the first use produced.
 */
import { clientRequiresPkce } from '../../domain/client-settings.js';
import { pkceMatches } from '../../domain/pkce.js';
import { isWellFormedSecret, hashSecret } from '../../domain/secret.js';
import type { AuthorizationCode } from '../../store/code-store.js';
import { InvalidGrantError } from '../errors.js';
import { optionalParam, requireParam, type GrantHandler } from '../grant-handler.js';
import { issueTokens } from '../issue-tokens.js';

/** RFC 6749 §4.1.2: "A maximum authorization code lifetime of 10 minutes is RECOMMENDED"; ours is 60 s. */
export const CODE_TTL_SECONDS = 60;

/** RFC 6749 §4.1.2: the code is short-lived. */
function checkNotExpired(code: AuthorizationCode, nowMs: number): void {
  if (nowMs >= code.expiresAt) throw new InvalidGrantError('The authorization code has expired.');
}

/** RFC 6749 §4.1.3: "ensure that the authorization code was issued to the authenticated confidential client, or if the client is public, ensure that the code was issued to "client_id" in the request". */
function checkCodeClient(code: AuthorizationCode, clientId: string): void {
  if (code.clientId !== clientId) throw new InvalidGrantError('The authorization code was issued to another client.');
}

/**
 * RFC 6749 §4.1.3: "ensure that the "redirect_uri" parameter is present if the "redirect_uri"
 * parameter was included in the initial authorization request … and if included ensure that
 * their values are identical."
 */
function checkRedirectUri(code: AuthorizationCode, presented: string | undefined, registered: readonly string[]): void {
  if (code.redirectUri !== null) {
    if (presented !== code.redirectUri) throw new InvalidGrantError('The redirect_uri does not match the authorization request.');
  } else if (presented !== undefined && !(registered.length === 1 && registered[0] === presented)) {
    throw new InvalidGrantError('The redirect_uri does not match the authorization request.');
  }
}

/**
 * RFC 7636 §4.6: "the server verifies it by calculating the code challenge from the received
 * "code_verifier" and comparing it with the previously associated "code_challenge"". A code
 * issued with a challenge needs a verifier; one issued without must not get one (RFC 9700 §4.8.2).
 */
function checkPkce(code: AuthorizationCode, verifier: string | undefined, required: boolean): void {
  if (code.codeChallenge === null) {
    // A code issued before the client was told to require PKCE is not redeemed without it.
    if (required) throw new InvalidGrantError('This client must use PKCE: the code was issued without a code_challenge.');
    if (verifier !== undefined) throw new InvalidGrantError('A code_verifier was sent for a code issued without PKCE.');
    return;
  }
  if (verifier === undefined) throw new InvalidGrantError('The code_verifier parameter is required for this code.');
  if (code.codeChallengeMethod !== 'S256' || !pkceMatches(verifier, code.codeChallenge)) {
    throw new InvalidGrantError('The code_verifier does not match the code_challenge.');
  }
}

export const authorizationCodeGrant = {
  grantType: 'authorization_code',
  parameters: new Set(['code', 'redirect_uri', 'code_verifier']),
  origin: 'authorization_code',
  async handle(req, { client }, deps) {
    const code = requireParam(req.params, 'code');
    const redirectUri = optionalParam(req.params, 'redirect_uri');
    const verifier = optionalParam(req.params, 'code_verifier');
    if (!isWellFormedSecret(code, 'authorizationCode')) throw new InvalidGrantError('The authorization code is invalid.');
    const nowMs = deps.now();
    const outcome = await deps.codes.redeem(hashSecret(code), nowMs, (found) => {
      checkCodeClient(found, client.id);
      checkNotExpired(found, nowMs);
      checkRedirectUri(found, redirectUri, client.redirect);
      checkPkce(found, verifier, clientRequiresPkce(client));
      const issued = issueTokens(
        { clientId: client.id, userId: found.userId, scopes: found.scopes, origin: 'authorization_code', grantId: found.grantId, withRefreshToken: true },
        deps.config,
        nowMs,
      );
      return { tokens: issued.rows, result: issued.response };
    });
    switch (outcome.status) {
      case 'issued':
        return outcome.result;
      case 'rejected':
        throw outcome.error;
      case 'replayed':
        // RFC 6749 §4.1.2: "If an authorization code is used more than once, the authorization
        // server MUST deny the request and SHOULD revoke (when possible) all tokens previously
        // issued based on that authorization code."
        await deps.tokens.revokeGrant(outcome.grantId, nowMs);
        throw new InvalidGrantError('The authorization code has already been used.');
      default:
        throw new InvalidGrantError('The authorization code is invalid.');
    }
  },
} satisfies GrantHandler;
