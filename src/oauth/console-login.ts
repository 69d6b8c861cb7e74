/**
 * The console's sign-in: check a username and password through the one password check
 * (src/oauth/password-auth.ts: throttled before any hash is computed, the same answer and the same
 * argon2 work for unknown users and wrong passwords, a fair and bounded hash queue), then start a
 * brand-new session (no session fixation: the previous one, if any, ends). Console sessions are
 * protocol writes, like codes and tokens: they live here, not in a surface.
 */
import type { SessionStore } from '../store/session-store.js';
import type { UserStore, UserWithHash } from '../store/user-store.js';
import { authenticatePassword, type PasswordCheck } from './password-auth.js';
import type { Throttle } from './throttle.js';

export type LoginOutcome =
  | { readonly kind: 'signed-in'; readonly user: UserWithHash; readonly sessionId: string }
  | Exclude<PasswordCheck, { kind: 'authenticated' }>;

export interface ConsoleLoginDeps {
  readonly users: Pick<UserStore, 'findByUsername'>;
  readonly sessions: Pick<SessionStore, 'create' | 'delete'>;
  readonly throttle: Throttle;
  readonly sessionTtlSeconds: number;
  readonly now?: () => number;
}

export type ConsoleLogin = ReturnType<typeof createConsoleLogin>;

export function createConsoleLogin(deps: ConsoleLoginDeps) {
  const now = deps.now ?? Date.now;
  return {
    async login(input: { username: string; password: string; ip: string; previousSessionId?: string | undefined }): Promise<LoginOutcome> {
      const check = await authenticatePassword(deps, input);
      if (check.kind !== 'authenticated') return check;
      const previous = input.previousSessionId;
      if (previous && previous.length <= 200) await deps.sessions.delete(previous);
      return { kind: 'signed-in', user: check.user, sessionId: await deps.sessions.create(check.user.id, deps.sessionTtlSeconds, now()) };
    },

    async logout(sessionId: string | undefined): Promise<void> {
      if (sessionId && sessionId.length <= 200) await deps.sessions.delete(sessionId);
    },
  };
}
