/**
 * Ecosystem plugins every route relies on, as the named plugin `keygate-security`: security
 * headers (helmet, strict CSP with no inline script, no framing), form bodies, cookies (signed with
 * a key every node shares), CSRF protection (double-submit secret cookie bound to the session) and
 * the rate limiter used for unknown routes.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import cookie from '@fastify/cookie';
import csrf from '@fastify/csrf-protection';
import formbody from '@fastify/formbody';
import helmet from 'helmet';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../../config.js';
import type { WebKeys } from '../../store/settings-store.js';
import { isJsonSurface } from '../surfaces.js';

export interface SecurityPluginOptions {
  readonly config: Pick<Config, 'secureCookies'>;
  /** The keys that sign cookies and CSRF tokens (src/context.ts decides where they come from). */
  readonly keys: Pick<WebKeys, 'cookieSecret' | 'csrfHmacKey'>;
}

export const SESSION_COOKIE = 'kg_session';
export const CSRF_COOKIE = 'kg_csrf';

/** CSRF tokens are bound to the browser session, so a token from one session is useless in another. */
function csrfUserInfo(request: FastifyRequest): string {
  return request.cookies[SESSION_COOKIE] || 'anonymous';
}

/** The pre-handler that refuses a form POST without a valid CSRF token (bound to its instance). */
export function csrfCheck(app: FastifyInstance): FastifyInstance['csrfProtection'] {
  return app.csrfProtection.bind(app);
}

/** A CSRF token for a form or the console's API calls on this page. */
export function csrfToken(request: FastifyRequest, reply: FastifyReply): string {
  return reply.generateCsrf({ userInfo: csrfUserInfo(request) });
}

/** The headers a helmet middleware sets, recorded by running it once against a stand-in response. */
function headersOf(middleware: ReturnType<typeof helmet>): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader(name: string, value: unknown) {
      headers[name.toLowerCase()] = String(value);
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  let finished = false;
  middleware({} as IncomingMessage, response as unknown as ServerResponse, (err?: unknown) => {
    if (err) throw err as Error;
    finished = true;
  });
  if (!finished) throw new Error('helmet did not finish synchronously');
  return Object.freeze(headers);
}

async function registerSecurity(app: FastifyInstance, options: SecurityPluginOptions): Promise<void> {
  const { config, keys } = options;
  // helmet decides the headers; its output does not depend on the request, so each set is
  // captured once here and handed to Fastify, which writes it with the response. (@fastify/helmet
  // rebuilds the middleware, parsing the CSP, on every request, and running even a prebuilt one
  // costs a validated res.setHeader per header: 8 µs per API call; see docs/performance.md.)
  const hsts = config.secureCookies ? { maxAge: 31536000, includeSubDomains: true } : false;
  const page = headersOf(helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    frameguard: { action: 'deny' },
    // HSTS only makes sense (and is only sent) when the issuer is https.
    strictTransportSecurity: hsts,
    referrerPolicy: { policy: 'no-referrer' },
    crossOriginEmbedderPolicy: false,
  }));
  // JSON answers are never rendered as a document, so the headers that only steer documents
  // (COOP, Origin-Agent-Cluster, DNS prefetch, IE download, Flash policies, the XSS auditor) are
  // left off, and the CSP allows nothing at all: the set the OWASP REST Security Cheat Sheet
  // lists. Each header left off is bytes on every API call and token request.
  const json = headersOf(helmet({
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    frameguard: { action: 'deny' },
    strictTransportSecurity: hsts,
    referrerPolicy: { policy: 'no-referrer' },
    crossOriginResourcePolicy: { policy: 'same-origin' },
    crossOriginEmbedderPolicy: false,
    crossOriginOpenerPolicy: false,
    originAgentCluster: false,
    xDnsPrefetchControl: false,
    xDownloadOptions: false,
    xPermittedCrossDomainPolicies: false,
    xXssProtection: false,
  }));
  app.addHook('onRequest', (request, reply, done) => {
    reply.headers(isJsonSurface(request.url) ? json : page);
    done();
  });
  await app.register(formbody, { bodyLimit: 1024 * 1024 });
  await app.register(cookie, { secret: keys.cookieSecret });
  await app.register(csrf, {
    sessionPlugin: '@fastify/cookie',
    cookieKey: CSRF_COOKIE,
    cookieOpts: { signed: true, httpOnly: true, sameSite: 'lax', secure: config.secureCookies, path: '/' },
    getUserInfo: csrfUserInfo,
    csrfOpts: { hmacKey: keys.csrfHmacKey },
  });
  await app.register(rateLimit, { global: false, max: 100, timeWindow: '1 minute' });
}

/** The named plugin; other plugins declare `dependencies: ['keygate-security']`. */
export const securityPlugin = fp(registerSecurity, { name: 'keygate-security', fastify: '5.x' });
