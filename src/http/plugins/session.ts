/**
 * Browser sessions for the console: the `kg_session` cookie (HttpOnly, SameSite=Lax, Secure with
 * an https issuer) names a row in `sessions`. Page routes use `requirePageUser`, which sends a
 * visitor without a session to /login and back afterwards. Flash messages ride in a short cookie.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Context } from '../../context.js';
import type { User } from '../../store/user-store.js';
import { stripHash } from '../../store/user-store.js';
import type { Flash } from '../views/layout.js';
import { SESSION_COOKIE } from './security.js';

const FLASH_COOKIE = 'kg_flash';
const userCache = new WeakMap<FastifyRequest, Promise<User | null>>();

/** The signed-in user of this request's session cookie, or null. Looked up once per request. */
export function getSessionUser(ctx: Context, request: FastifyRequest): Promise<User | null> {
  let pending = userCache.get(request);
  if (!pending) {
    pending = (async () => {
      const id = request.cookies[SESSION_COOKIE];
      if (!id || id.length > 200) return null;
      const session = await ctx.sessions.find(id);
      if (!session) return null;
      const user = await ctx.users.findById(session.userId);
      return user ? stripHash(user) : null;
    })();
    userCache.set(request, pending);
  }
  return pending;
}

export function sessionCookieOptions(ctx: Context, maxAgeSeconds?: number) {
  return {
    path: '/',
    httpOnly: true,
    sameSite: 'lax' as const,
    secure: ctx.config.secureCookies,
    ...(maxAgeSeconds !== undefined ? { maxAge: maxAgeSeconds } : {}),
  };
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

/** For page routes: the user, or a redirect to the login page (then null). */
export async function requirePageUser(ctx: Context, request: FastifyRequest, reply: FastifyReply): Promise<User | null> {
  const user = await getSessionUser(ctx, request);
  if (user) return user;
  const next = safeNextPath(request.url) ?? '/';
  await reply.redirect(`/login?next=${encodeURIComponent(next)}`, 303);
  return null;
}

export function setFlash(ctx: Context, reply: FastifyReply, flash: Flash): void {
  reply.setCookie(FLASH_COOKIE, JSON.stringify(flash), { ...sessionCookieOptions(ctx, 60), signed: true });
}

export function takeFlash(ctx: Context, request: FastifyRequest, reply: FastifyReply): Flash | null {
  const rawCookie = request.cookies[FLASH_COOKIE];
  if (!rawCookie) return null;
  reply.clearCookie(FLASH_COOKIE, sessionCookieOptions(ctx));
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
}
