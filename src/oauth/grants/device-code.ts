/**
 * RFC 8628 §3.4–3.5: the device access token request. The device polls with its device_code until
 * the user has answered on /device: `authorization_pending` while they have not, `slow_down` (and
 * 5 s more interval) when it polls faster than its interval, `access_denied` when they denied,
 * `expired_token` once the code has expired; once approved, one poll gets an access token and a
 * refresh token (as the code grant does), and every later use of the code is refused.
 */
import { pollRate } from '../../domain/device-code.js';
import { hashSecret, isWellFormedSecret } from '../../domain/secret.js';
import type { DeviceCode } from '../../store/device-code-store.js';
import { AccessDeniedError, AuthorizationPendingError, ExpiredTokenError, InvalidGrantError, PollTooFastError } from '../errors.js';
import { requireParam, type GrantHandler } from '../grant-handler.js';
import { issueTokens, newGrantId } from '../issue-tokens.js';

export const DEVICE_CODE_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:device_code';

/** §3.4: the device code was issued to the client that polls. */
function checkDeviceCodeClient(code: DeviceCode, clientId: string): void {
  if (code.clientId !== clientId) throw new InvalidGrantError('The device code was issued to another client.');
}

/** §3.5 expired_token: "The "device_code" has expired". */
function checkNotExpired(code: DeviceCode, nowMs: number): void {
  if (nowMs >= code.expiresAt) throw new ExpiredTokenError();
}

/** The user's answer so far: denied, or (once tokens were issued) a code that cannot be used again. */
function checkAnswer(code: DeviceCode): void {
  if (code.status === 'denied') throw new AccessDeniedError('The user denied the request.');
  if (code.status === 'used') throw new InvalidGrantError('The device code has already been used.');
}

export const deviceCodeGrant = {
  grantType: DEVICE_CODE_GRANT_TYPE,
  parameters: new Set(['device_code']),
  origin: 'device_code',
  async handle(req, { client }, deps) {
    const deviceCode = requireParam(req.params, 'device_code');
    if (!isWellFormedSecret(deviceCode, 'deviceCode')) throw new InvalidGrantError('The device code is invalid.');
    const nowMs = deps.now();
    const code = await deps.deviceCodes.findByDeviceCodeHash(hashSecret(deviceCode));
    if (!code) throw new InvalidGrantError('The device code is invalid.');
    checkDeviceCodeClient(code, client.id);
    checkNotExpired(code, nowMs);
    checkAnswer(code);
    if (code.status === 'pending') {
      const rate = pollRate(code.lastPollAt, code.intervalSeconds, nowMs);
      await deps.deviceCodes.recordPoll(code.id, code.lastPollAt, nowMs, rate.intervalSeconds);
      if (rate.tooFast) throw new PollTooFastError(rate.intervalSeconds);
      throw new AuthorizationPendingError();
    }
    const issued = await deps.deviceCodes.redeem(code.id, (approved) => {
      const tokens = issueTokens(
        { clientId: client.id, userId: approved.userId, scopes: approved.scopes, origin: 'device_code', grantId: newGrantId(), withRefreshToken: true },
        deps.config,
        nowMs,
      );
      return { tokens: tokens.rows, result: tokens.response };
    });
    // Another poll redeemed it a moment ago.
    if (issued === null) throw new InvalidGrantError('The device code has already been used.');
    return issued;
  },
} satisfies GrantHandler;
