import { availableParallelism } from 'node:os';
import { isIP } from 'node:net';

/**
 * Configuration from the environment (INTERFACE.md, "Environment").
 * Every value is validated at start; a bad one throws ConfigError with one clear line.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export type DatabaseConfig =
  | { readonly kind: 'sqlite'; readonly path: string; readonly url: string }
  | { readonly kind: 'postgres'; readonly url: string };

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly issuer: string;
  readonly secureCookies: boolean;
  readonly database: DatabaseConfig;
  readonly adminUsername: string;
  readonly adminPassword: string | undefined;
  readonly accessTokenTtlSeconds: number;
  readonly refreshTokenTtlSeconds: number;
  readonly refreshGraceSeconds: number;
  readonly patTtlSeconds: number;
  readonly patMaxTtlSeconds: number | undefined;
  readonly redisUrl: string | undefined;
  readonly logLevel: string;
  /** Tokens older than this are flagged on the Tokens page (KEYGATE_TOKEN_ROTATION_DAYS). */
  readonly tokenRotationDays: number;
  /** Entries kept by the in-process token-check cache (KEYGATE_TOKEN_CACHE_SIZE). */
  readonly tokenCacheSize: number;
  /** Browser session lifetime (KEYGATE_SESSION_TTL). */
  readonly sessionTtlSeconds: number;
  /** A console session unused this long ends (KEYGATE_SESSION_IDLE). */
  readonly sessionIdleSeconds: number;
  /** Which proxies may set X-Forwarded-For (KEYGATE_TRUST_PROXY), in Fastify's `trustProxy` form; false = none. */
  readonly trustProxy: boolean | number | string[];
  /** Headers and body must have arrived within this (KEYGATE_REQUEST_TIMEOUT). */
  readonly requestTimeoutSeconds: number;
  /** Open connections beyond this are refused (KEYGATE_MAX_CONNECTIONS). */
  readonly maxConnections: number;
  /** The key cookie, CSRF and one-time-result keys are derived from (KEYGATE_SECRET_KEY); undefined: a key file or the stored key. */
  readonly secretKey: string | undefined;
  /** How long start waits for PostgreSQL (and Redis) before giving up (KEYGATE_DB_WAIT). */
  readonly dbWaitSeconds: number;
  /** Server processes sharing the port and the store (KEYGATE_WORKERS). */
  readonly workers: number;
  /** When set, GET /metrics requires `Authorization: Bearer <this>` (KEYGATE_METRICS_TOKEN). */
  readonly metricsToken: string | undefined;
}

type Env = Readonly<Record<string, string | undefined>>;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  const value = Number(raw.trim());
  if (value < min || value > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

export function parseDatabaseUrl(raw: string): DatabaseConfig {
  const match = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(raw);
  if (!match) {
    throw new ConfigError(`DATABASE_URL "${raw}" has no scheme: use sqlite:<path> or postgres://…`);
  }
  const scheme = match[1]!.toLowerCase();
  if (scheme === 'sqlite') {
    let path = raw.slice('sqlite:'.length);
    if (path.startsWith('//')) path = path.slice(2);
    if (path === '') throw new ConfigError('DATABASE_URL "sqlite:" needs a file path, e.g. sqlite:./data/keygate.sqlite');
    return { kind: 'sqlite', path, url: raw };
  }
  if (scheme === 'postgres' || scheme === 'postgresql') {
    try {
      new URL(raw);
    } catch {
      throw new ConfigError(`DATABASE_URL "${raw}" is not a valid postgres:// URL`);
    }
    return { kind: 'postgres', url: raw };
  }
  throw new ConfigError(`unsupported DATABASE_URL scheme "${scheme}": use sqlite:<path> or postgres://…`);
}

/** Fastify's `trustProxy`: `true`, a hop count, or addresses / CIDRs (KEYGATE_TRUST_PROXY). */
function parseTrustProxy(raw: string | undefined): boolean | number | string[] {
  const value = raw?.trim() ?? '';
  if (value === '' || value === 'false') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    if (hops < 1 || hops > 32) throw new ConfigError(`KEYGATE_TRUST_PROXY must be true, a hop count from 1 to 32, or addresses/CIDRs, got "${raw}"`);
    return hops;
  }
  const list = value.split(',').map((v) => v.trim()).filter((v) => v.length > 0);
  const entry = /^(?:[0-9.]+|[0-9a-fA-F:]+)(?:\/\d{1,3})?$|^(?:loopback|linklocal|uniquelocal)$/;
  const bad = list.find((v) => !entry.test(v) || !isAddressOrCidr(v));
  if (list.length === 0 || bad !== undefined) {
    throw new ConfigError(`KEYGATE_TRUST_PROXY must be true, a hop count, or comma-separated addresses/CIDRs, got "${bad ?? raw}"`);
  }
  return list;
}

function isAddressOrCidr(value: string): boolean {
  if (value === 'loopback' || value === 'linklocal' || value === 'uniquelocal') return true;
  const [address, bits] = value.split('/') as [string, string | undefined];
  const version = isIP(address);
  if (version === 0) return false;
  if (bits === undefined) return true;
  const n = Number(bits);
  return Number.isInteger(n) && n >= 0 && n <= (version === 4 ? 32 : 128);
}

/** HOST: an IP address, `localhost` or a host name (what `listen` accepts). */
function parseHost(raw: string | undefined): string {
  const host = raw?.trim() || '127.0.0.1';
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (isIP(bare) !== 0) return host;
  // Looks like an IPv4 address but is not one (999.1.1.1): say so instead of failing later.
  const hostname = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
  if (/^[\d.]+$/.test(bare) || !hostname.test(bare)) {
    throw new ConfigError(`HOST must be an IP address or a host name, got "${raw}"`);
  }
  return host;
}

function parseIssuer(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`KEYGATE_ISSUER "${raw}" is not an absolute URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`KEYGATE_ISSUER must be an http(s) URL, got "${raw}"`);
  }
  if (url.search || url.hash) throw new ConfigError('KEYGATE_ISSUER must not have a query or fragment');
  return raw.replace(/\/+$/, '');
}

/** KEYGATE_SECRET_KEY: at least 32 characters (e.g. `openssl rand -base64 32`). */
function parseSecretKey(raw: string | undefined): string | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const key = raw.trim();
  if (key.length < 32) throw new ConfigError('KEYGATE_SECRET_KEY must be at least 32 characters (for example the output of `openssl rand -base64 32`)');
  return key;
}

/** KEYGATE_WORKERS: a count, or `auto` for one per core. */
function parseWorkers(raw: string | undefined): number {
  const value = raw?.trim() ?? '';
  if (value === '') return 1;
  if (value === 'auto') return Math.max(1, availableParallelism());
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 256) {
    throw new ConfigError(`KEYGATE_WORKERS must be auto or a whole number from 1 to 256, got "${raw}"`);
  }
  return Number(value);
}

/** KEYGATE_METRICS_TOKEN: a bearer value of at least 16 visible characters. */
function parseMetricsToken(raw: string | undefined): string | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const token = raw.trim();
  if (token.length < 16 || !/^[\x21-\x7e]+$/.test(token)) {
    throw new ConfigError('KEYGATE_METRICS_TOKEN must be at least 16 printable characters without spaces');
  }
  return token;
}

export function loadConfig(env: Env = process.env): Config {
  const port = integer(env, 'PORT', 8080, 0, 65535);
  const host = parseHost(env.HOST);
  const wildcard = host === '0.0.0.0' || host === '::' || host === '[::]';
  const hostForUrl = wildcard ? 'localhost' : host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  const issuer = parseIssuer(env.KEYGATE_ISSUER?.trim() || `http://${hostForUrl}:${port}`);
  const refreshGraceSeconds = integer(env, 'KEYGATE_REFRESH_GRACE', 0, 0, 10);
  const patMaxRaw = env.KEYGATE_PAT_MAX_TTL;
  const patMaxTtlSeconds =
    patMaxRaw === undefined || patMaxRaw.trim() === '' ? undefined : integer(env, 'KEYGATE_PAT_MAX_TTL', 0, 1, 100 * 365 * 86400);
  const patTtlSeconds = integer(env, 'KEYGATE_PAT_TTL', 0, 0, 100 * 365 * 86400);
  const patTtlGiven = env.KEYGATE_PAT_TTL !== undefined && env.KEYGATE_PAT_TTL.trim() !== '';
  if (patTtlGiven && patMaxTtlSeconds !== undefined && (patTtlSeconds === 0 || patTtlSeconds > patMaxTtlSeconds)) {
    throw new ConfigError(
      `KEYGATE_PAT_TTL (${patTtlSeconds === 0 ? '0 = never' : patTtlSeconds}) must not exceed KEYGATE_PAT_MAX_TTL (${patMaxTtlSeconds}); leave KEYGATE_PAT_TTL unset to default to the cap`,
    );
  }
  const adminPassword = env.KEYGATE_ADMIN_PASSWORD;
  if (adminPassword !== undefined && adminPassword.length > 0 && adminPassword.length < 8) {
    throw new ConfigError('KEYGATE_ADMIN_PASSWORD must be at least 8 characters');
  }
  const adminUsername = env.KEYGATE_ADMIN_USERNAME?.trim() || 'admin';
  if (adminUsername.length > 255) throw new ConfigError('KEYGATE_ADMIN_USERNAME must be at most 255 characters');
  const redisUrl = env.REDIS_URL?.trim() || undefined;
  if (redisUrl !== undefined && !/^rediss?:\/\//.test(redisUrl)) {
    throw new ConfigError(`REDIS_URL must start with redis:// or rediss://, got "${redisUrl}"`);
  }
  const logLevel = env.LOG_LEVEL?.trim() || 'info';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "${logLevel}"`);
  }
  return {
    port,
    host,
    issuer,
    secureCookies: issuer.startsWith('https:'),
    database: parseDatabaseUrl(env.DATABASE_URL?.trim() || 'sqlite:./data/keygate.sqlite'),
    adminUsername,
    adminPassword: adminPassword || undefined,
    accessTokenTtlSeconds: integer(env, 'KEYGATE_ACCESS_TOKEN_TTL', 3600, 1, 10 * 365 * 86400),
    refreshTokenTtlSeconds: integer(env, 'KEYGATE_REFRESH_TOKEN_TTL', 2592000, 0, 10 * 365 * 86400),
    refreshGraceSeconds,
    // A default above the cap (or "never" while a cap is set) is clamped to the cap.
    patTtlSeconds: patMaxTtlSeconds !== undefined && (patTtlSeconds === 0 || patTtlSeconds > patMaxTtlSeconds) ? patMaxTtlSeconds : patTtlSeconds,
    patMaxTtlSeconds,
    redisUrl,
    logLevel,
    tokenRotationDays: integer(env, 'KEYGATE_TOKEN_ROTATION_DAYS', 90, 1, 3650),
    tokenCacheSize: integer(env, 'KEYGATE_TOKEN_CACHE_SIZE', 10000, 0, 10_000_000),
    sessionTtlSeconds: integer(env, 'KEYGATE_SESSION_TTL', 8 * 3600, 60, 30 * 86400),
    sessionIdleSeconds: integer(env, 'KEYGATE_SESSION_IDLE', 2 * 3600, 60, 30 * 86400),
    trustProxy: parseTrustProxy(env.KEYGATE_TRUST_PROXY),
    requestTimeoutSeconds: integer(env, 'KEYGATE_REQUEST_TIMEOUT', 30, 1, 3600),
    maxConnections: integer(env, 'KEYGATE_MAX_CONNECTIONS', 10_000, 1, 1_000_000),
    secretKey: parseSecretKey(env.KEYGATE_SECRET_KEY),
    dbWaitSeconds: integer(env, 'KEYGATE_DB_WAIT', 30, 0, 3600),
    workers: parseWorkers(env.KEYGATE_WORKERS),
    metricsToken: parseMetricsToken(env.KEYGATE_METRICS_TOKEN),
  };
}
