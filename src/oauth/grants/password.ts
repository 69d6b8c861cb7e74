/**
 * RFC 6749 §4.3 resource owner password credentials grant. RFC 9700 §2.4 says it "MUST NOT be
 * used"; Keygate keeps it, off by default and per client, for legacy desktop apps
 * (docs/security.md). Unknown users and wrong passwords get the same answer after the same
 * argon2 work; failures are throttled per (username, IP) and per IP.
 */
import { verifyPassword } from '../../domain/password.js';
import { InvalidGrantError, SlowDownError } from '../errors.js';
import { requireParam, requireScopes, type GrantHandler } from '../grant-handler.js';
import { issueTokens, newGrantId } from '../issue-tokens.js';

export const PASSWORD_FAILED = 'The username or password is incorrect.';

function throttleKey(username: string): string {
  return username.trim().toLowerCase();
}

export const passwordGrant = {
  grantType: 'password',
  parameters: new Set(['username', 'password', 'scope']),
  origin: 'password',
  async handle(req, { client }, deps) {
    const username = requireParam(req.params, 'username').slice(0, 255);
    const password = requireParam(req.params, 'password');
    const scopes = requireScopes(req.params);
    const key = throttleKey(username);
    const retryAfter = await deps.passwordThrottle.retryAfterSeconds(key, req.ip);
    if (retryAfter > 0) throw new SlowDownError(retryAfter);
    const user = await deps.users.findByUsername(username);
    const ok = await verifyPassword(user?.passwordHash, password);
    if (!user || !ok) {
      await deps.passwordThrottle.failed(key, req.ip);
      throw new InvalidGrantError(PASSWORD_FAILED);
    }
    await deps.passwordThrottle.succeeded(key, req.ip);
    const nowMs = deps.now();
    const issued = issueTokens(
      { clientId: client.id, userId: user.id, scopes, origin: 'password', grantId: newGrantId(), withRefreshToken: true },
      deps.config,
      nowMs,
    );
    await deps.tokens.insertTokens(issued.rows);
    return issued.response;
  },
} satisfies GrantHandler;
