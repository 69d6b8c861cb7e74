/**
 * `GET /metrics`, and the one hook every answered request passes through: it feeds the request
 * metrics (src/metrics.ts) and, at LOG_LEVEL=info, writes the access-log line. Every request is
 * counted under its route pattern (`/api/1.0/users/:id`), or one `unmatched` label, so a scan of
 * random URLs cannot grow the label set. The access line holds the method, the route, the path
 * without its query string (where codes, states and tokens travel), the status, the time in ms
 * and the request id. When KEYGATE_METRICS_TOKEN is set, /metrics asks for it as a bearer token.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { metricsAuthorized, UNMATCHED_ROUTE, type Metrics } from '../../metrics.js';

export interface MetricsPluginOptions {
  readonly metrics: Metrics;
  readonly token: string | undefined;
  /** Where the access-log lines go (src/http/logger.ts); none: no access log. Written at `info`. */
  readonly accessLog?: AccessLogger;
  /** The text to answer: this process's registry, or (with workers) the aggregate from the primary. */
  readonly scrape?: () => Promise<string>;
}

export interface AccessLogger {
  info(fields: object, message: string): void;
  isLevelEnabled(level: string): boolean;
}

export const metricsPlugin = fp(async (app: FastifyInstance, options: MetricsPluginOptions) => {
  const { metrics } = options;
  const scrape = options.scrape ?? (() => metrics.registry.metrics());

  const accessLog = options.accessLog?.isLevelEnabled('info') === true ? options.accessLog : null;
  // A callback hook, not an async one: no promise per request.
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? UNMATCHED_ROUTE;
    const elapsedMs = reply.elapsedTime;
    metrics.observeRequest(route, reply.statusCode, elapsedMs / 1000);
    if (accessLog !== null) {
      const url = request.url;
      const query = url.indexOf('?');
      accessLog.info(
        { reqId: request.id, method: request.method, route, path: query === -1 ? url : url.slice(0, query), status: reply.statusCode, ms: Math.round(elapsedMs * 10) / 10 },
        'request',
      );
    }
    done();
  });

  app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
    if (!metricsAuthorized(options.token, request.headers.authorization)) {
      return reply.code(401).header('WWW-Authenticate', 'Bearer realm="metrics"').send({ message: 'Unauthenticated.' });
    }
    const body = await scrape();
    return reply.header('Cache-Control', 'no-store').type(metrics.registry.contentType).send(body);
  });
}, { name: 'keygate-metrics' });
