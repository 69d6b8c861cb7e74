/**
 * CORS for the endpoints a single-page app calls: the metadata, /oauth/token, /oauth/revoke and
 * /oauth/device_authorization (with their OPTIONS preflights) — nothing else: not the console,
 * not /api/1.0, not introspection (a resource server's call, never a browser's). Which origins is
 * decided in src/domain/cors.ts (through the cached set of src/oauth/cors-origins.ts); this
 * plugin only writes the headers. No credentials mode: these endpoints take no cookies.
 * An origin that is not allowed gets no CORS headers and the request is answered as before.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { CorsOrigins } from '../../oauth/cors-origins.js';

/** The endpoints with CORS, and the methods each answers. */
export const CORS_ENDPOINTS: Readonly<Record<string, string>> = {
  '/.well-known/oauth-authorization-server': 'GET',
  '/oauth/token': 'POST',
  '/oauth/revoke': 'POST',
  '/oauth/device_authorization': 'POST',
};

/** Request headers an app may send (client authentication, form or JSON bodies). */
const ALLOWED_HEADERS = 'Authorization, Content-Type, Accept';
/** How long a browser may reuse a preflight answer (allowed origins change rarely). */
const PREFLIGHT_MAX_AGE_SECONDS = 600;

export interface CorsPluginOptions {
  readonly origins: CorsOrigins;
}

function originOf(request: FastifyRequest): string | undefined {
  const value = request.headers.origin;
  return typeof value === 'string' ? value : undefined;
}

async function registerCors(app: FastifyInstance, { origins }: CorsPluginOptions): Promise<void> {
  /** Adds the headers an allowed origin gets; the answer depends on Origin either way. */
  const decorate = async (request: FastifyRequest, reply: FastifyReply): Promise<boolean> => {
    reply.header('Vary', 'Origin');
    const origin = originOf(request);
    if (!(await origins.allows(origin))) return false;
    reply.header('Access-Control-Allow-Origin', origin!);
    reply.header('Access-Control-Expose-Headers', 'WWW-Authenticate, Retry-After');
    return true;
  };

  app.addHook('onRequest', async (request, reply) => {
    const path = request.routeOptions.url;
    if (request.method === 'OPTIONS' || path === undefined || !(path in CORS_ENDPOINTS)) return;
    await decorate(request, reply);
  });

  for (const [path, methods] of Object.entries(CORS_ENDPOINTS)) {
    // The preflight (Fetch standard, "CORS-preflight request"): 204, with the permissions only for an allowed origin.
    app.options(path, async (request, reply) => {
      if (await decorate(request, reply)) {
        reply.header('Access-Control-Allow-Methods', methods);
        reply.header('Access-Control-Allow-Headers', ALLOWED_HEADERS);
        reply.header('Access-Control-Max-Age', String(PREFLIGHT_MAX_AGE_SECONDS));
      }
      return reply.code(204).send();
    });
  }
}

export const corsPlugin = fp(registerCors, { name: 'keygate-cors', fastify: '5.x' });
