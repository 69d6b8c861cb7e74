/**
 * RFC 8628 §3.3: the user's side. A signed-in user types the user code shown on the device; every
 * guess that names a real code costs nothing, every wrong one counts in the throttle the password
 * checks use (per user and per address, src/oauth/throttle.ts), so user codes cannot be guessed
 * faster than passwords. A found code is then approved or denied by that user, once.
 */
import { normalizeUserCode } from '../domain/device-code.js';
import { hashSecret } from '../domain/secret.js';
import type { ClientWithSecretState } from '../store/client-store.js';
import type { DeviceCode, DeviceCodeStore } from '../store/device-code-store.js';
import type { ClientLookup } from './client-cache.js';
import type { Throttle } from './throttle.js';

export type UserCodeLookup =
  | { readonly kind: 'found'; readonly code: DeviceCode; readonly client: ClientWithSecretState }
  /** Not a code at all, or no pending request has it (expired, answered, never issued). */
  | { readonly kind: 'invalid' }
  | { readonly kind: 'throttled'; readonly retryAfterSeconds: number };

export interface DeviceVerificationDeps {
  readonly deviceCodes: Pick<DeviceCodeStore, 'findPendingByUserCodeHash' | 'decide'>;
  readonly clients: Pick<ClientLookup, 'findById'>;
  readonly throttle: Throttle;
  readonly now: () => number;
}

export type DeviceVerification = ReturnType<typeof createDeviceVerification>;

export function createDeviceVerification(deps: DeviceVerificationDeps) {
  return {
    /** The pending request a typed user code names, for this user at this address (throttled). */
    async lookup(userId: string, ip: string, typed: string): Promise<UserCodeLookup> {
      const userCode = normalizeUserCode(typed);
      if (userCode === null) return { kind: 'invalid' };
      const attempt = await deps.throttle.reserve(userId, ip);
      if (attempt.kind !== 'reserved') return { kind: 'throttled', retryAfterSeconds: attempt.retryAfterSeconds };
      let found: DeviceCode | null;
      try {
        found = await deps.deviceCodes.findPendingByUserCodeHash(hashSecret(userCode), deps.now());
      } catch (err) {
        await attempt.abandoned();
        throw err;
      }
      const client = found ? await deps.clients.findById(found.clientId) : null;
      if (!found || !client || !client.types.includes('device_code_grant')) {
        await attempt.failed();
        return { kind: 'invalid' };
      }
      await attempt.succeeded();
      return { kind: 'found', code: found, client };
    },

    /** The user's answer; false when the request was answered or expired meanwhile. */
    decide(userId: string, code: DeviceCode, approved: boolean): Promise<boolean> {
      return deps.deviceCodes.decide(code.id, userId, approved, deps.now());
    },
  };
}
