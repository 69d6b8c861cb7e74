/**
 * `GET /metrics` and the hook that feeds the request metrics (src/metrics.ts). Every answered
 * request is counted under its route pattern (`/api/1.0/users/:id`), or one `unmatched` label,
 * so a scan of random URLs cannot grow the label set. When KEYGATE_METRICS_TOKEN is set, the
 * endpoint asks for it as a bearer token.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { metricsAuthorized, UNMATCHED_ROUTE, type Metrics } from '../../metrics.js';

export interface MetricsPluginOptions {
  readonly metrics: Metrics;
  readonly token: string | undefined;
  /** The text to answer: this process's registry, or (with workers) the aggregate from the primary. */
  readonly scrape?: () => Promise<string>;
}

export const metricsPlugin = fp(async (app: FastifyInstance, options: MetricsPluginOptions) => {
  const { metrics } = options;
  const scrape = options.scrape ?? (() => metrics.registry.metrics());

  // A callback hook, not an async one: no promise per request.
  app.addHook('onResponse', (request, reply, done) => {
    metrics.observeRequest(request.routeOptions.url ?? UNMATCHED_ROUTE, reply.statusCode, reply.elapsedTime / 1000);
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
