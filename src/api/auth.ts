/**
 * The REST API guard (RFC 6750). A bearer token is decided by the one token check; without one,
 * the console's session cookie counts, with its CSRF token on anything but GET/HEAD. When both
 * are sent, the bearer token counts. `api:read` allows reads only.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { effectivePermissions } from '../domain/permission.js';
import { allowsMethod } from '../domain/scope.js';
import type { TokenKind } from '../domain/token.js';
import type { TokenCheck } from '../oauth/token-check.js';
import type { Actor } from '../services/actor.js';
import type { User } from '../store/user-store.js';
import { forbidden, insufficientScope, unauthenticated } from './errors.js';

export interface ApiPrincipal {
  readonly via: 'token' | 'session';
  readonly kind: TokenKind | 'session';
  readonly userId: string | null;
  readonly username: string | null;
  readonly administrator: boolean;
  readonly permissions: readonly string[];
  readonly scopes: readonly string[];
  readonly clientId: string | null;
  readonly tokenId: string | null;
  /** The digest of the console session, when the request came with one (not a bearer token). */
  readonly sessionIdHash: string | null;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: ApiPrincipal | null;
  }
  interface FastifyContextConfig {
    /** Routes under /api/1.0 that need no authentication (the OpenAPI document). */
    public?: boolean;
  }
}

const READ_METHODS = new Set(['GET', 'HEAD']);

/** The token of an `Authorization: Bearer <token>` header, or null when malformed or oversized (the gateway check reads it the same way). */
export function bearerToken(header: string): string | null {
  // RFC 6750 §2.1: the scheme is case-insensitive; exactly one token follows.
  if (header.length < 8 || header.slice(0, 7).toLowerCase() !== 'bearer ') return null;
  const token = header.slice(7).trim();
  return token.length > 0 && token.length <= 512 && !token.includes(' ') ? token : null;
}

/**
 * Runs @fastify/csrf-protection's check, which is synchronous: it either calls `next` or sends
 * its 403 error (through the API error handler) itself. Returns whether the request may go on.
 */
function passesCsrfCheck(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply): boolean {
  let passed = false;
  app.csrfProtection(request, reply, () => {
    passed = true;
  });
  return passed;
}

/** Looks up the console session's user and the session's digest (provided by the http layer, which owns cookies). */
export type SessionUserLookup = (request: FastifyRequest) => Promise<{ readonly user: User; readonly idHash: string } | null>;

export function createApiGuard(app: FastifyInstance, tokenCheck: Pick<TokenCheck, 'check'>, sessionUser: SessionUserLookup) {
  return async function apiGuard(request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const header = request.headers.authorization;
    let principal: ApiPrincipal;
    if (header !== undefined) {
      const token = bearerToken(header);
      if (token === null) throw unauthenticated('invalid_request');
      const found = await tokenCheck.check(token);
      if (found === null || found.kind === 'refresh_token') throw unauthenticated('invalid_token');
      principal = {
        via: 'token',
        kind: found.kind,
        userId: found.userId,
        username: found.username,
        administrator: found.administrator,
        permissions: found.permissions,
        scopes: found.scopes,
        clientId: found.clientId,
        tokenId: found.tokenId,
        sessionIdHash: null,
      };
    } else {
      const session = await sessionUser(request);
      if (!session) throw unauthenticated();
      const { user } = session;
      if (!READ_METHODS.has(request.method) && !passesCsrfCheck(app, request, reply)) return reply;
      principal = {
        via: 'session',
        kind: 'session',
        userId: user.id,
        username: user.username,
        administrator: user.administrator,
        permissions: user.permissions,
        scopes: ['api'],
        clientId: null,
        tokenId: null,
        sessionIdHash: session.idHash,
      };
    }
    if (!allowsMethod(principal.scopes, request.method)) throw insufficientScope('api');
    request.principal = principal;
    return undefined;
  };
}

/** The authenticated principal; the guard guarantees one on every non-public route. */
export function principalOf(request: FastifyRequest): ApiPrincipal {
  if (!request.principal) throw unauthenticated();
  return request.principal;
}

/** A route that acts for a user: a client-credentials token (no user) is refused with 403. */
export function requireUser(request: FastifyRequest): ApiPrincipal & { userId: string; username: string } {
  const p = principalOf(request);
  if (p.userId === null || p.username === null) throw forbidden('This route needs a token that acts for a user.');
  return p as ApiPrincipal & { userId: string; username: string };
}

/** Who this request acts as, for the services (INTERFACE.md: a bearer token counts over a session). */
export function actorOf(request: FastifyRequest): Actor {
  const p = principalOf(request);
  if (p.userId === null || p.username === null) {
    return { kind: 'client', clientId: p.clientId ?? '', permissions: effectivePermissions(false, p.permissions) };
  }
  return {
    kind: 'user',
    id: p.userId,
    username: p.username,
    administrator: p.administrator,
    permissions: effectivePermissions(p.administrator, p.permissions),
    credential: p.via === 'session' ? 'session' : p.kind === 'personal_access_token' ? 'personal_access_token' : 'access_token',
    ...(p.sessionIdHash !== null ? { sessionIdHash: p.sessionIdHash } : {}),
  };
}
