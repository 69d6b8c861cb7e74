/** /health, the RFC 8414 metadata document, and the static console assets. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { Context } from '../../context.js';
import { CLIENT_TYPES } from '../../domain/client.js';

// dist/http/routes → ../../../public, and the same from src/http/routes under tsx.
const PUBLIC_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'public');

const ASSETS: Record<string, { type: string; body: Buffer }> = {
  'app.css': { type: 'text/css; charset=utf-8', body: readFileSync(join(PUBLIC_DIR, 'app.css')) },
  'app.js': { type: 'text/javascript; charset=utf-8', body: readFileSync(join(PUBLIC_DIR, 'app.js')) },
  'favicon.svg': { type: 'image/svg+xml', body: readFileSync(join(PUBLIC_DIR, 'favicon.svg')) },
};

/** RFC 8414 metadata. Every endpoint listed here is served by this build; `scopes`: built-ins and the catalog. */
export function authorizationServerMetadata(issuer: string, scopes: readonly string[]) {
  return {
    issuer,
    authorization_endpoint: `${issuer}/oauth/authorize`,
    token_endpoint: `${issuer}/oauth/token`,
    revocation_endpoint: `${issuer}/oauth/revoke`,
    device_authorization_endpoint: `${issuer}/oauth/device_authorization`,
    introspection_endpoint: `${issuer}/oauth/introspect`,
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: ['authorization_code', 'password', 'refresh_token', 'client_credentials', 'urn:ietf:params:oauth:grant-type:device_code'],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    scopes_supported: [...scopes],
    // RFC 9207: every authorization response carries `iss` (src/oauth/authorize-request.ts).
    authorization_response_iss_parameter_supported: true,
    service_documentation: `${issuer}/api/docs`,
    keygate_client_types: [...CLIENT_TYPES],
  };
}

/** A store that has not answered `select 1` by then counts as not answering. */
const STORE_CHECK_TIMEOUT_MS = 2000;

async function storeAnswers(ctx: Context): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), STORE_CHECK_TIMEOUT_MS)));
  try {
    return await Promise.race([sql`select 1`.execute(ctx.store.db).then(() => true, () => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

type CheckState = 'ok' | 'down';

export async function systemRoutes(app: FastifyInstance, ctx: Context): Promise<void> {
  app.get('/health', async (_request, reply) => {
    if (await storeAnswers(ctx)) return reply.send({ status: 'ok' });
    return reply.code(503).send({ status: 'unavailable' });
  });

  // Liveness: the process serves requests (an orchestrator restarts it when this stops answering).
  app.get('/health/live', async (_request, reply) => reply.header('Cache-Control', 'no-store').send({ status: 'ok' }));

  // Readiness: 503 only when the store does not answer. Redis and the PostgreSQL listener are
  // `degraded`: taking every node out of the balancer for a Redis blip would take the APIs behind
  // the gateway down with it, while most requests (token checks, issuance) still work.
  app.get('/health/ready', async (_request, reply) => {
    const checks: Record<string, CheckState> = { store: (await storeAnswers(ctx)) ? 'ok' : 'down' };
    if (ctx.store.dialect === 'postgres') checks.listener = ctx.invalidation.cacheUsable() ? 'ok' : 'down';
    if (ctx.config.redisUrl !== undefined) checks.redis = ctx.counters.reachable() ? 'ok' : 'down';
    reply.header('Cache-Control', 'no-store');
    if (checks.store === 'down') return reply.code(503).send({ status: 'unavailable', checks });
    return reply.send({ status: Object.values(checks).every((c) => c === 'ok') ? 'ok' : 'degraded', checks });
  });

  app.get('/.well-known/oauth-authorization-server', async (_request, reply) => {
    const scopes = (await ctx.services.scopes.catalog()).map((s) => s.name);
    return reply.header('Cache-Control', 'public, max-age=300').send(authorizationServerMetadata(ctx.config.issuer, scopes));
  });

  app.get('/assets/:file', async (request, reply) => {
    const asset = ASSETS[(request.params as { file: string }).file];
    if (!asset) return reply.code(404).type('text/plain').send('Not found');
    return reply.header('Cache-Control', 'public, max-age=300').type(asset.type).send(asset.body);
  });
}
