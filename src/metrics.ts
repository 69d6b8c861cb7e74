/**
 * What `GET /metrics` reports (INTERFACE.md): prom-client's process and Node metrics plus
 * Keygate's own, in one registry per server process. With KEYGATE_WORKERS the primary answers
 * with the aggregate of every worker's registry (src/cluster.ts).
 *
 * The request path stays cheap: an answered request costs one Map lookup and two increments on
 * label children built once per (route, status). Token-check results and cache size are read
 * from plain counters at scrape time, so the token check itself never touches prom-client.
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

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

interface RequestChildren {
  readonly count: { inc(): void };
  readonly duration: { observe(value: number): void };
}

export function createMetrics(sources: MetricSources): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const requests = new Counter({
    name: 'keygate_http_requests_total',
    help: 'HTTP requests answered, by route pattern and status code.',
    labelNames: ['route', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'keygate_http_request_duration_seconds',
    help: 'Time from request received to response sent, by route pattern.',
    labelNames: ['route'] as const,
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });
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

  const children = new Map<string, RequestChildren>();
  return {
    registry,
    observeRequest(route, status, seconds) {
      const key = `${status} ${route}`;
      let child = children.get(key);
      if (child === undefined) {
        child = { count: requests.labels(route, String(status)), duration: duration.labels(route) };
        children.set(key, child);
      }
      child.count.inc();
      child.duration.observe(seconds);
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
