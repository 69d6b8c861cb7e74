/**
 * One-time results: a secret or token that a console form created, kept between the POST and the
 * page the browser is sent to (post/redirect/get), so that reloading that page shows "already
 * shown" instead of acting again (INTERFACE.md: "a page that shows a secret or a token once is
 * reached by a redirect after the POST").
 *
 * The value is sealed with AES-256-GCM under the one-time-result key (never at rest in plain text)
 * and bound to the session that made it; only that session can take it, once, within ten minutes.
 * It lives in the store, so it works across worker processes and nodes.
 */
import { randomBytes } from 'node:crypto';
import { open, seal } from '../domain/sealed.js';
import type { OneTimeResultStore } from '../store/one-time-result-store.js';
import type { UserActor } from './actor.js';
import { ForbiddenError } from './errors.js';

export const ONE_TIME_RESULT_TTL_MS = 10 * 60_000;

/** What a page may show once. */
export type OneTimeResult =
  | { readonly kind: 'client_secret'; readonly clientId: string; readonly name: string; readonly secret: string; readonly created: boolean; readonly graceSeconds: number }
  | { readonly kind: 'personal_access_token'; readonly ownerId: string; readonly tokenId: string; readonly name: string; readonly token: string };

export interface OneTimeResultDeps {
  readonly results: OneTimeResultStore;
  /** 32 bytes (WebKeys.resultKey). */
  readonly key: Buffer;
  readonly now: () => number;
}

export type OneTimeResultService = ReturnType<typeof createOneTimeResultService>;

const associated = (id: string, sessionHash: string) => `keygate one-time result\n${id}\n${sessionHash}`;

function sessionOf(actor: UserActor): string {
  // Only a browser session has somewhere to keep a result for (the API answers it in the response).
  if (actor.credential !== 'session' || actor.sessionIdHash === undefined) throw new ForbiddenError('A one-time result needs a browser session.');
  return actor.sessionIdHash;
}

function isResult(value: unknown): value is OneTimeResult {
  const v = value as Partial<Record<string, unknown>> | null;
  if (v === null || typeof v !== 'object') return false;
  if (v.kind === 'client_secret') return typeof v.clientId === 'string' && typeof v.secret === 'string';
  if (v.kind === 'personal_access_token') return typeof v.ownerId === 'string' && typeof v.token === 'string';
  return false;
}

export function createOneTimeResultService(deps: OneTimeResultDeps) {
  return {
    /** Seals and keeps `result` for the actor's session; returns the id its page is given. */
    async keep(actor: UserActor, result: OneTimeResult): Promise<string> {
      const sessionHash = sessionOf(actor);
      const id = randomBytes(16).toString('base64url');
      const nowMs = deps.now();
      const sealed = seal(deps.key, JSON.stringify(result), associated(id, sessionHash));
      await deps.results.insert({ id, sessionHash, sealed, createdAt: nowMs, expiresAt: nowMs + ONE_TIME_RESULT_TTL_MS });
      return id;
    },

    /**
     * The result, deleted as it is returned; null once it was taken, after ten minutes, for another
     * session, or for an id that was never given.
     */
    async take(actor: UserActor, id: string): Promise<OneTimeResult | null> {
      if (id.length === 0 || id.length > 64) return null;
      const sessionHash = sessionOf(actor);
      const sealed = await deps.results.take(id, sessionHash, deps.now());
      if (sealed === null) return null;
      const plain = open(deps.key, sealed, associated(id, sessionHash));
      if (plain === null) return null;
      try {
        const value: unknown = JSON.parse(plain);
        return isResult(value) ? value : null;
      } catch {
        return null;
      }
    },
  };
}
