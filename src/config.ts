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

export function loadConfig(env: Env = process.env): Config {
  const port = integer(env, 'PORT', 8080, 0, 65535);
  const host = env.HOST?.trim() || '127.0.0.1';
  const wildcard = host === '0.0.0.0' || host === '::' || host === '[::]';
  const hostForUrl = wildcard ? 'localhost' : host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  const issuer = parseIssuer(env.KEYGATE_ISSUER?.trim() || `http://${hostForUrl}:${port}`);
  const refreshGraceSeconds = integer(env, 'KEYGATE_REFRESH_GRACE', 0, 0, 10);
  const patMaxRaw = env.KEYGATE_PAT_MAX_TTL;
  const patMaxTtlSeconds =
    patMaxRaw === undefined || patMaxRaw.trim() === '' ? undefined : integer(env, 'KEYGATE_PAT_MAX_TTL', 0, 1, 100 * 365 * 86400);
  const patTtlSeconds = integer(env, 'KEYGATE_PAT_TTL', 0, 0, 100 * 365 * 86400);
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
  };
}
