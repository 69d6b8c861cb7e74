/**
 * RFC 6749 §4.3 resource owner password credentials grant. RFC 9700 §2.4 says it "MUST NOT be
 * used"; Keygate keeps it, off by default and per client, for legacy desktop apps
 * (docs/security.md). Unknown users and wrong passwords get the same answer after the same
 * argon2 work; attempts are throttled per (username, IP) and per IP before any hash is computed,
 * and a full hash queue answers 503 temporarily_unavailable (src/oauth/password-auth.ts).
 */
import { InvalidGrantError, SlowDownError, TemporarilyUnavailableError } from '../errors.js';
import { requireParam, type GrantHandler } from '../grant-handler.js';
import { issueTokens, newGrantId } from '../issue-tokens.js';
import { authenticatePassword } from '../password-auth.js';
import { resolveGrantScopes } from '../scope-resolution.js';

export const PASSWORD_FAILED = 'The username or password is incorrect.';

export const passwordGrant = {
  grantType: 'password',
  parameters: new Set(['username', 'password', 'scope']),
  origin: 'password',
  async handle(req, { client }, deps) {
    const username = requireParam(req.params, 'username').slice(0, 255);
    const password = requireParam(req.params, 'password');
    const scopes = await resolveGrantScopes(req.params.get('scope'), client, deps.scopes);
    const check = await authenticatePassword({ users: deps.users, throttle: deps.passwordThrottle }, { username, password, ip: req.ip });
    if (check.kind === 'throttled') throw new SlowDownError(check.retryAfterSeconds);
    if (check.kind === 'unavailable') throw new TemporarilyUnavailableError(check.retryAfterSeconds);
    if (check.kind === 'failed') throw new InvalidGrantError(PASSWORD_FAILED);
    const { user } = check;
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
