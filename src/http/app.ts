/**
 * Assembles the Fastify app: ecosystem plugins, then the route modules, then the error and
 * not-found handlers. `buildApp` does not listen: src/main.ts (and the tests) own the server.
 */
import swagger from '@fastify/swagger';
import Fastify, { LogController, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyBaseLogger } from 'fastify';
import { apiPlugin } from '../api/plugin.js';
import type { Context } from '../context.js';
import { clientErrorHandler } from './client-error.js';
import { corsPlugin } from './plugins/cors.js';
import { metricsPlugin, type AccessLogger } from './plugins/metrics.js';
import { sessionPlugin } from './plugins/session.js';
import { csrfToken, securityPlugin } from './plugins/security.js';
import { consoleRoutes } from './routes/console.js';
import { gatewayRoutes } from './routes/gateway.js';
import { openApiOptions } from './routes/docs.js';
import { loginRoutes } from './routes/login.js';
import { oauthRoutes } from './routes/oauth/index.js';
import { deferredChildLogger } from './request-logger.js';
import { systemRoutes } from './routes/system.js';
import { API_PREFIX, isOAuthEndpoint, wantsJsonErrors } from './surfaces.js';
import { renderErrorPage } from './views/layout.js';

export interface AppOptions {
  /** The server's pino logger (src/http/logger.ts); none: nothing is logged (tests). */
  readonly logger?: FastifyBaseLogger;
  /** Where the one access-log line per request goes (src/http/logger.ts `access`). */
  readonly accessLog?: AccessLogger;
  /** What GET /metrics answers; by default this process's registry (with workers: the primary's aggregate). */
  readonly scrapeMetrics?: () => Promise<string>;
}

export async function buildApp(ctx: Context, options: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    // Fastify's two lines per request are replaced by one access-log line (plugins/metrics.ts).
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: deferredChildLogger,
    bodyLimit: 1024 * 1024,
    // KEYGATE_TRUST_PROXY: which proxies may set X-Forwarded-For (request.ip, the throttles' key).
    // A hop count is accepted at run time (fastify/lib/request.js) though the types omit it.
    trustProxy: ctx.config.trustProxy as boolean | string[],
    // KEYGATE_REQUEST_TIMEOUT: headers and body must have arrived by then (408, connection closed).
    // Node checks open connections every 30 s, so a slow sender is cut off within timeout + 30 s;
    // a slow answer (a login waiting for the hash queue) is never cut off by it.
    requestTimeout: ctx.config.requestTimeoutSeconds * 1000,
    // Huge or endless URLs and parameters are refused before any route code runs.
    routerOptions: { maxParamLength: 200 },
    return503OnClosing: true,
    // Requests the HTTP parser refuses (431, 400, 408): no content in the answer to a HEAD.
    clientErrorHandler,
    // A malformed percent-encoding or an over-long path part is answered by the router before any
    // route runs; answer it in the documented format of the area the URL belongs to.
    frameworkErrors: (err, request, frameworkReply) => {
      const reply = frameworkReply as unknown as FastifyReply;
      const status = err.statusCode === 414 ? 414 : 400;
      const url = request.raw.url ?? '/';
      if (isOAuthEndpoint(url)) {
        void reply.code(status).header('Cache-Control', 'no-store').send({ error: 'invalid_request', error_description: 'The request URL is malformed.' });
      } else if (wantsJsonErrors(url)) {
        void reply.code(status).send({ message: 'Bad Request.' });
      } else {
        void reply.code(status).type('text/html; charset=utf-8').send(renderErrorPage('Bad request', 'This address is malformed. Check the link and try again.'));
      }
    },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: true } },
  });

  // KEYGATE_MAX_CONNECTIONS: connections beyond this are refused by node:http.
  app.server.maxConnections = ctx.config.maxConnections;
  // Node's headers timeout (60 s) must not outlast the request timeout, or a slow sender is cut off
  // only when the longer of the two runs out.
  app.server.headersTimeout = Math.min(app.server.headersTimeout, ctx.config.requestTimeoutSeconds * 1000);

  // Set before any route is registered, so every scope inherits it (the API and OAuth scopes
  // replace it with their own formats).
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const status = typeof err.statusCode === 'number' && err.statusCode >= 400 ? err.statusCode : 500;
    if (status >= 500) request.log.error({ err }, 'request failed');
    // The OAuth endpoints' own scope answers in RFC 6749 §5.2; this covers what reaches the root
    // handler for them (a CORS preflight with an unreadable body).
    if (isOAuthEndpoint(request.url)) {
      const error = status >= 500 ? 'server_error' : 'invalid_request';
      return reply.code(status).header('Cache-Control', 'no-store').send({ error, error_description: status >= 500 ? 'The server could not complete the request.' : 'The request could not be read.' });
    }
    if (wantsJsonErrors(request.url)) {
      return reply.code(status).send({ message: status >= 500 ? 'Server Error.' : err.validation ? 'The given data was invalid.' : 'Bad Request.' });
    }
    const csrf = err.code === 'FST_CSRF_INVALID_TOKEN' || err.code === 'FST_CSRF_MISSING_SECRET';
    const title = csrf ? 'This form has expired' : status >= 500 ? 'Something went wrong' : status === 413 ? 'Too much data' : 'Bad request';
    const message = csrf
      ? 'The page was open too long or came from another site. Go back, reload the page and try again.'
      : status >= 500
        ? 'Keygate could not complete this request. Nothing was changed; please try again.'
        : 'Keygate could not read this request. Go back and check what you entered.';
    return reply.code(csrf ? 403 : status).type('text/html; charset=utf-8').send(renderErrorPage(title, message));
  });

  await app.register(metricsPlugin, { metrics: ctx.metrics, token: ctx.config.metricsToken, scrape: options.scrapeMetrics, accessLog: options.accessLog });
  await app.register(securityPlugin, { config: ctx.config, keys: ctx.webKeys });
  await app.register(corsPlugin, { origins: ctx.corsOrigins });
  await app.register(sessionPlugin, { config: ctx.config, sessions: ctx.sessions, users: ctx.users });
  // The API reference: the REST API and the OAuth endpoints (src/http/routes/docs.ts).
  await app.register(swagger, openApiOptions(ctx.config.issuer));

  await app.register(async (scope) => systemRoutes(scope, ctx));
  await app.register(async (scope) => gatewayRoutes(scope, { tokenCheck: ctx.tokenCheck }));
  await app.register(async (scope) => loginRoutes(scope, { consoleLogin: ctx.consoleLogin }));
  await app.register(async (scope) => oauthRoutes(scope, ctx));
  await app.register(async (scope) => consoleRoutes(scope, { services: ctx.services, config: ctx.config }));
  await app.register(
    async (scope) => apiPlugin(scope, { tokenCheck: ctx.tokenCheck, services: ctx.services, sessionUser: (request) => app.consoleSession.withDigest(request) }),
    { prefix: API_PREFIX },
  );

  app.setNotFoundHandler({ preHandler: app.rateLimit({ max: 300, timeWindow: '1 minute' }) }, async (request, reply) => {
    reply.code(404);
    if (wantsJsonErrors(request.url)) return reply.send({ message: 'Not found.' });
    const user = await app.consoleSession.user(request).catch(() => null);
    return reply.type('text/html; charset=utf-8').send(renderErrorPage('Page not found', 'There is no page at this address.', user, user ? csrfToken(request, reply) : undefined));
  });

  // Swagger reads the routes when the app is ready; this builds the document once.
  await app.ready();
  return app;
}
