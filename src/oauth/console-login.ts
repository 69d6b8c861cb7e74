/**
 * The console's sign-in: check a username and password (throttled per username + address and per
 * address, with the same answer and the same argon2 work for unknown users and wrong passwords),
 * then start a brand-new session (no session fixation: the previous one, if any, ends). Console
 * sessions are protocol writes, like codes and tokens: they live here, not in a surface.
 */
import { verifyPassword } from '../domain/password.js';
import type { SessionStore } from '../store/session-store.js';
import { usernameKey, type UserStore, type UserWithHash } from '../store/user-store.js';
import type { Throttle } from './throttle.js';

export type LoginOutcome =
  | { readonly kind: 'signed-in'; readonly user: UserWithHash; readonly sessionId: string }
  | { readonly kind: 'failed' }
  | { readonly kind: 'throttled'; readonly retryAfterSeconds: number };

export interface ConsoleLoginDeps {
  readonly users: Pick<UserStore, 'findByUsername'>;
  readonly sessions: Pick<SessionStore, 'create' | 'delete'>;
  readonly throttle: Throttle;
  readonly sessionTtlSeconds: number;
}

export type ConsoleLogin = ReturnType<typeof createConsoleLogin>;

export function createConsoleLogin(deps: ConsoleLoginDeps) {
  return {
    async login(input: { username: string; password: string; ip: string; previousSessionId?: string | undefined }): Promise<LoginOutcome> {
      const key = usernameKey(input.username);
      const retryAfter = await deps.throttle.retryAfterSeconds(key, input.ip);
      if (retryAfter > 0) return { kind: 'throttled', retryAfterSeconds: retryAfter };
      const user = key === '' ? null : await deps.users.findByUsername(input.username);
      const ok = await verifyPassword(user?.passwordHash, input.password);
      if (!user || !ok) {
        await deps.throttle.failed(key, input.ip);
        return { kind: 'failed' };
      }
      await deps.throttle.succeeded(key, input.ip);
      const previous = input.previousSessionId;
      if (previous && previous.length <= 200) await deps.sessions.delete(previous);
      return { kind: 'signed-in', user, sessionId: await deps.sessions.create(user.id, deps.sessionTtlSeconds) };
    },

    async logout(sessionId: string | undefined): Promise<void> {
      if (sessionId && sessionId.length <= 200) await deps.sessions.delete(sessionId);
    },
  };
}
