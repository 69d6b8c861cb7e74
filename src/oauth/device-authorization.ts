/**
 * RFC 8628 §3.1–3.2: the device authorization endpoint. The client authenticates as at the token
 * endpoint (a public client sends only client_id), must hold `device_code_grant`, and asks for
 * scopes resolved exactly as an authorization request's are; the answer holds a device code (a
 * 256-bit secret, only its digest stored), a short user code, where to enter it, its lifetime and
 * the polling interval.
 */
import { DEVICE_CODE_TTL_SECONDS, DEVICE_POLL_INTERVAL_SECONDS, formatUserCode, issueUserCode } from '../domain/device-code.js';
import { hashSecret, issueSecret } from '../domain/secret.js';
import { DuplicateUserCodeError, type DeviceCodeStore } from '../store/device-code-store.js';
import { authenticateClient, type ClientAuthInput } from './client-auth.js';
import type { ClientLookup } from './client-cache.js';
import { UnauthorizedClientError } from './errors.js';
import type { AuthenticatedClient } from './grant-handler.js';
import { resolveGrantScopes, type ScopeCatalog } from './scope-resolution.js';

/** §3.2 device authorization response. */
export interface DeviceAuthorizationResponse {
  readonly device_code: string;
  readonly user_code: string;
  readonly verification_uri: string;
  readonly verification_uri_complete: string;
  readonly expires_in: number;
  readonly interval: number;
}

export interface DeviceAuthorizationDeps {
  readonly clients: ClientLookup;
  readonly deviceCodes: Pick<DeviceCodeStore, 'insert'>;
  /** The custom scopes that exist (src/oauth/scope-resolution.ts). */
  readonly scopes: ScopeCatalog;
  readonly issuer: string;
  readonly now: () => number;
}

/** The page where the user enters the code (INTERFACE.md: `GET /device`). */
export function verificationUri(issuer: string): string {
  return `${issuer}/device`;
}

/** §3.1: only a client allowed the device grant may start one. */
function checkClientAllowsDeviceGrant({ client }: AuthenticatedClient): void {
  if (!client.types.includes('device_code_grant')) throw new UnauthorizedClientError('This client is not allowed to use the device authorization grant.');
}

/** Tries this many user codes before giving up (a collision with a pending one is rare: 2^34.6 codes). */
const USER_CODE_ATTEMPTS = 5;

export async function handleDeviceAuthorizationRequest(input: ClientAuthInput, deps: DeviceAuthorizationDeps): Promise<{ response: DeviceAuthorizationResponse; clientId: string }> {
  const authenticated = await authenticateClient(input, deps.clients);
  checkClientAllowsDeviceGrant(authenticated);
  // The same resolution as the authorization endpoint's (src/oauth/authorize-request.ts).
  const scopes = await resolveGrantScopes(input.params.get('scope'), authenticated.client, deps.scopes);
  const deviceCode = issueSecret('deviceCode');
  const nowMs = deps.now();
  for (let attempt = 1; ; attempt++) {
    const userCode = issueUserCode();
    try {
      await deps.deviceCodes.insert({
        deviceCodeHash: hashSecret(deviceCode),
        userCodeHash: hashSecret(userCode),
        clientId: authenticated.client.id,
        scopes,
        intervalSeconds: DEVICE_POLL_INTERVAL_SECONDS,
        createdAt: nowMs,
        expiresAt: nowMs + DEVICE_CODE_TTL_SECONDS * 1000,
      });
    } catch (err) {
      if (err instanceof DuplicateUserCodeError && attempt < USER_CODE_ATTEMPTS) continue;
      throw err;
    }
    const shown = formatUserCode(userCode);
    const uri = verificationUri(deps.issuer);
    return {
      clientId: authenticated.client.id,
      response: {
        device_code: deviceCode,
        user_code: shown,
        verification_uri: uri,
        verification_uri_complete: `${uri}?user_code=${shown}`,
        expires_in: DEVICE_CODE_TTL_SECONDS,
        interval: DEVICE_POLL_INTERVAL_SECONDS,
      },
    };
  }
}

