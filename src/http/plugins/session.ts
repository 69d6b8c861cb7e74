/**
 * Browser sessions for the console, as the named plugin `keygate-session` (it needs
 * `keygate-security` for cookies). The `kg_session` cookie (HttpOnly, SameSite=Lax, Secure with an
 * https issuer) names a row in `sessions`. Pages use `app.consoleSession.requireUser`, which sends a
 * visitor without a session to /login and back afterwards; `actor()` is who the services see.
 * Flash messages ride in a short signed cookie. Service errors become readable pages in `fail()`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../../config.js';
import { userActor, type UserActor } from '../../services/actor.js';
import { ServiceError, ThrottledError, UnavailableError } from '../../services/errors.js';
import type { SessionStore } from '../../store/session-store.js';
import type { User, UserStore } from '../../store/user-store.js';
import { renderErrorPage, type Flash } from '../views/layout.js';
import { csrfToken, SESSION_COOKIE } from './security.js';

const FLASH_COOKIE = 'kg_flash';

export interface ConsoleSession {
  /** The signed-in user of this request's session cookie, or null. Looked up once per request. */
  user(request: FastifyRequest): Promise<User | null>;
  /** The user and the digest of their session (what the REST API's cookie authentication needs). */
  withDigest(request: FastifyRequest): Promise<{ user: User; idHash: string } | null>;
  /** For page routes: the user, or a redirect to the login page (then null). */
  requireUser(request: FastifyRequest, reply: FastifyReply): Promise<User | null>;
  /** For administrator pages: the user, or a login redirect / 403 page (then null). */
  requireAdmin(request: FastifyRequest, reply: FastifyReply): Promise<User | null>;
  /** Who the services see for this signed-in user. */
  actor(request: FastifyRequest, user: User): UserActor;
  /** Sets the session cookie for a new session id. */
  setCookie(reply: FastifyReply, sessionId: string): void;
  clearCookie(reply: FastifyReply): void;
  setFlash(reply: FastifyReply, flash: Flash): void;
  takeFlash(request: FastifyRequest, reply: FastifyReply): Flash | null;
  /** Answers a service error as a page: 403, 404, 429 or 503 (anything else is rethrown). */
  fail(request: FastifyRequest, reply: FastifyReply, user: User | null, err: unknown): Promise<FastifyReply>;
}

declare module 'fastify' {
  interface FastifyInstance {
    consoleSession: ConsoleSession;
  }
}

export interface SessionPluginOptions {
  readonly config: Pick<Config, 'secureCookies' | 'sessionTtlSeconds'>;
  readonly sessions: Pick<SessionStore, 'find' | 'digest'>;
  readonly users: Pick<UserStore, 'findPublicById'>;
}

/** A local path to return to after login, or null if `next` could lead off-site. */
export function safeNextPath(next: unknown): string | null {
  if (typeof next !== 'string' || next.length === 0 || next.length > 2048) return null;
  if (!next.startsWith('/') || next.startsWith('//') || next.includes('\\')) return null;
  // Control characters (tab, newline) are stripped by URL parsers and could turn "/\t/evil" into "//evil".
  for (let i = 0; i < next.length; i++) {
    const c = next.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return null;
  }
  try {
    const base = new URL('http://keygate.invalid');
    const url = new URL(next, base);
    if (url.origin !== base.origin) return null;
    // Dot segments can collapse into a protocol-relative path: "/..//evil.example" → "//evil.example".
    const path = url.pathname + url.search + url.hash;
    return path.startsWith('//') ? null : path;
  } catch {
    return null;
  }
}

const html = (reply: FastifyReply) => reply.type('text/html; charset=utf-8');

export function createConsoleSession(options: SessionPluginOptions): ConsoleSession {
  const cached = new WeakMap<FastifyRequest, Promise<{ user: User; idHash: string } | null>>();
  const cookieOptions = (maxAgeSeconds?: number) => ({
    path: '/',
    httpOnly: true,
    sameSite: 'lax' as const,
    secure: options.config.secureCookies,
    ...(maxAgeSeconds !== undefined ? { maxAge: maxAgeSeconds } : {}),
  });

  const withDigest = (request: FastifyRequest) => {
    let pending = cached.get(request);
    if (!pending) {
      pending = (async () => {
        const id = request.cookies[SESSION_COOKIE];
        if (!id || id.length > 200) return null;
        const session = await options.sessions.find(id);
        if (!session) return null;
        const user = await options.users.findPublicById(session.userId);
        return user ? { user, idHash: options.sessions.digest(id) } : null;
      })();
      cached.set(request, pending);
    }
    return pending;
  };
  const user = async (request: FastifyRequest) => (await withDigest(request))?.user ?? null;

  const self: ConsoleSession = {
    user,
    withDigest,
    async requireUser(request, reply) {
      const found = await user(request);
      if (found) return found;
      const next = safeNextPath(request.url) ?? '/';
      await reply.redirect(`/login?next=${encodeURIComponent(next)}`, 303);
      return null;
    },
    async requireAdmin(request, reply) {
      const found = await self.requireUser(request, reply);
      if (!found) return null;
      if (!found.administrator) {
        await html(reply).code(403).send(renderErrorPage('Not allowed', 'Only administrators can open this page.', found, csrfToken(request, reply)));
        return null;
      }
      return found;
    },
    actor(request, signedIn) {
      const id = request.cookies[SESSION_COOKIE];
      return userActor(signedIn, 'session', id ? options.sessions.digest(id) : undefined);
    },
    setCookie(reply, sessionId) {
      reply.setCookie(SESSION_COOKIE, sessionId, cookieOptions(options.config.sessionTtlSeconds));
    },
    clearCookie(reply) {
      reply.clearCookie(SESSION_COOKIE, cookieOptions());
    },
    setFlash(reply, flash) {
      reply.setCookie(FLASH_COOKIE, JSON.stringify(flash), { ...cookieOptions(60), signed: true });
    },
    takeFlash(request, reply) {
      const rawCookie = request.cookies[FLASH_COOKIE];
      if (!rawCookie) return null;
      reply.clearCookie(FLASH_COOKIE, cookieOptions());
      const unsigned = request.unsignCookie(rawCookie);
      if (!unsigned.valid || unsigned.value === null) return null;
      try {
        const value = JSON.parse(unsigned.value) as Partial<Flash>;
        if ((value.kind === 'success' || value.kind === 'error' || value.kind === 'info') && typeof value.message === 'string') {
          return { kind: value.kind, message: value.message.slice(0, 500) };
        }
      } catch {
        // ignore a malformed flash
      }
      return null;
    },
    async fail(request, reply, signedIn, err) {
      if (!(err instanceof ServiceError)) throw err;
      const csrf = signedIn ? csrfToken(request, reply) : undefined;
      switch (err.kind) {
        case 'forbidden':
          return html(reply).code(403).send(renderErrorPage('Not allowed', err.message, signedIn, csrf));
        case 'not_found':
          return html(reply).code(404).send(renderErrorPage(err.message.replace(/\.$/, ''), 'It may have been deleted.', signedIn, csrf));
        case 'throttled':
          return html(reply)
            .code(429)
            .header('Retry-After', String((err as ThrottledError).retryAfterSeconds))
            .send(renderErrorPage('Too many attempts', err.message, signedIn, csrf));
        case 'unavailable':
          return html(reply)
            .code(503)
            .header('Retry-After', String((err as UnavailableError).retryAfterSeconds))
            .send(renderErrorPage('Try again shortly', err.message, signedIn, csrf));
        case 'invalid':
          return html(reply).code(422).send(renderErrorPage('Not saved', err.message, signedIn, csrf));
      }
    },
  };
  return self;
}

/** The named plugin: decorates the instance with `consoleSession` for every route scope. */
export const sessionPlugin = fp(
  (app: FastifyInstance, options: SessionPluginOptions, done: (err?: Error) => void) => {
    app.decorate('consoleSession', createConsoleSession(options));
    done();
  },
  { name: 'keygate-session', dependencies: ['keygate-security'], fastify: '5.x' },
);
