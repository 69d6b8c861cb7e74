/**
 * What `GET /metrics` reports (INTERFACE.md): prom-client's process and Node metrics plus
 * Keygate's own, in one registry per server process. With KEYGATE_WORKERS the primary answers
 * with the aggregate of every worker's registry (src/cluster.ts).
 *
 * The request path stays cheap: an answered request costs two Map lookups and a few additions
 * on plain numbers, read by prom-client at scrape time. Token-check results and cache size are read
 * from plain counters at scrape time, so the token check itself never touches prom-client.
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import { collectDefaultMetrics, Counter, Gauge, Registry, type Metric } from 'prom-client';

/** The route label of a request no route matched (404s on arbitrary URLs): one label, never the URL. */
export const UNMATCHED_ROUTE = 'unmatched';

/** Numbers the token check keeps as it runs; read when Prometheus scrapes. */
export interface TokenCheckCounts {
  /** Checks answered with a principal / refused (unknown, malformed, expired, revoked…). */
  valid: number;
  invalid: number;
  /** Valid answers that came from the in-process cache without a store read. */
  cacheHits: number;
}

export interface MetricSources {
  tokenCheckCounts(): Readonly<TokenCheckCounts>;
  tokenCacheEntries(): number;
}

export interface Metrics {
  readonly registry: Registry;
  /** One answered HTTP request: its route pattern (or UNMATCHED_ROUTE), status, and time in seconds. */
  observeRequest(route: string, status: number, seconds: number): void;
  /** One successful token response at /oauth/token. */
  tokenIssued(grantType: string): void;
}

/** Seconds: from a cached API call (~100 µs) to a slow password hash or a stalled store. */
const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface RouteDurations {
  /** Observations per bucket (not cumulative); above the last bound only in `count`. */
  readonly buckets: Float64Array;
  sum: number;
  count: number;
  /** Requests answered, by status code. */
  readonly byStatus: Map<number, number>;
}

const DURATION_NAME = 'keygate_http_request_duration_seconds';

/**
 * The duration histogram as a metric the registry can read (`get()` in prom-client's metric
 * format: cumulative `_bucket` values with `le`, then `_sum` and `_count`), filled from the
 * per-route numbers above; summed across workers like prom-client's own histograms.
 */
function durationHistogram(routes: ReadonlyMap<string, RouteDurations>) {
  const get = () => {
    const values: Array<{ labels: Record<string, string | number>; value: number; metricName: string }> = [];
    for (const [route, d] of routes) {
      let cumulative = 0;
      DURATION_BUCKETS.forEach((le, i) => {
        cumulative += d.buckets[i]!;
        values.push({ labels: { route, le }, value: cumulative, metricName: `${DURATION_NAME}_bucket` });
      });
      values.push({ labels: { route, le: '+Inf' }, value: d.count, metricName: `${DURATION_NAME}_bucket` });
      values.push({ labels: { route }, value: d.sum, metricName: `${DURATION_NAME}_sum` });
      values.push({ labels: { route }, value: d.count, metricName: `${DURATION_NAME}_count` });
    }
    return Promise.resolve({ name: DURATION_NAME, help: 'Time from request received to response sent, by route pattern.', type: 'histogram', values, aggregator: 'sum' });
  };
  return { name: DURATION_NAME, help: 'Time from request received to response sent, by route pattern.', type: 'histogram', aggregator: 'sum', get, reset() {} };
}

export function createMetrics(sources: MetricSources): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  // Request counts and durations are kept in plain numbers (a Map lookup and a few increments per
  // request, about 20 ns) and handed to prom-client when Prometheus scrapes: its own label
  // children cost about 0.6 µs per increment or observation, over 1 µs per request for both.
  const routes = new Map<string, RouteDurations>();
  new Counter({
    name: 'keygate_http_requests_total',
    help: 'HTTP requests answered, by route pattern and status code.',
    labelNames: ['route', 'status'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [route, timed] of routes) for (const [status, count] of timed.byStatus) this.inc({ route, status: String(status) }, count);
    },
  });
  registry.registerMetric(durationHistogram(routes) as unknown as Metric);
  new Counter({
    name: 'keygate_token_checks_total',
    help: 'Bearer token checks (REST API, introspection), by result: valid or invalid.',
    labelNames: ['result'] as const,
    registers: [registry],
    collect() {
      const counts = sources.tokenCheckCounts();
      this.reset();
      this.inc({ result: 'valid' }, counts.valid);
      this.inc({ result: 'invalid' }, counts.invalid);
    },
  });
  new Counter({
    name: 'keygate_token_cache_hits_total',
    help: 'Valid token checks answered from the in-process cache, without a store read.',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(sources.tokenCheckCounts().cacheHits);
    },
  });
  const issued = new Counter({
    name: 'keygate_tokens_issued_total',
    help: 'Token responses issued at /oauth/token, by grant type.',
    labelNames: ['grant_type'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'keygate_token_cache_entries',
    help: 'Entries in the token-check cache of this process.',
    registers: [registry],
    collect() {
      this.set(sources.tokenCacheEntries());
    },
  });

  return {
    registry,
    observeRequest(route, status, seconds) {
      let timed = routes.get(route);
      if (timed === undefined) {
        timed = { buckets: new Float64Array(DURATION_BUCKETS.length), sum: 0, count: 0, byStatus: new Map() };
        routes.set(route, timed);
      }
      timed.byStatus.set(status, (timed.byStatus.get(status) ?? 0) + 1);
      let i = 0;
      while (i < DURATION_BUCKETS.length && seconds > DURATION_BUCKETS[i]!) i++;
      if (i < DURATION_BUCKETS.length) timed.buckets[i]!++;
      timed.sum += seconds;
      timed.count++;
    },
    tokenIssued(grantType) {
      issued.inc({ grant_type: grantType });
    },
  };
}

/** Constant-time check of `Authorization: Bearer <KEYGATE_METRICS_TOKEN>` (digests: equal length). */
export function metricsAuthorized(expected: string | undefined, authorization: string | undefined): boolean {
  if (expected === undefined) return true;
  const presented = /^Bearer +(.+)$/i.exec(authorization ?? '')?.[1]?.trim() ?? '';
  const digest = (value: string): Buffer => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(presented), digest(expected)) && presented !== '';
}
