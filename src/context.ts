/**
 * The composition root: builds everything the server and the CLI share from a Config, once —
 * the store (migrated), the per-table stores, revocation fan-out, the token check, the client
 * lookup cache, the throttles and the application services. Nothing is built per request.
 * `close()` flushes pending last-use writes and closes connections in order.
 */
import type { Config } from './config.js';
import { createMetrics, type Metrics } from './metrics.js';
import { createClientCache, type ClientLookup } from './oauth/client-cache.js';
import { createCorsOrigins, type CorsOrigins } from './oauth/cors-origins.js';
import { createDeviceVerification, type DeviceVerification } from './oauth/device-verification.js';
import { createConsoleLogin, type ConsoleLogin } from './oauth/console-login.js';
import { createThrottle, type Throttle } from './oauth/throttle.js';
import { createTokenCheck, type TokenCheck } from './oauth/token-check.js';
import { createServices, type Services } from './services/index.js';
import { createAuditStore, type AuditStore } from './store/audit-store.js';
import { createAuthorizationStore } from './store/authorization-store.js';
import { createClientStore, type ClientStore } from './store/client-store.js';
import { createCodeStore, type CodeStore } from './store/code-store.js';
import { createConsentStore } from './store/consent-store.js';
import { createDeviceCodeStore, type DeviceCodeStore } from './store/device-code-store.js';
import { openStore, type Store } from './store/db.js';
import { createInvalidation, type Invalidation, type InvalidationPeers } from './store/invalidation.js';

export type { InvalidationEvent, InvalidationPeers } from './store/invalidation.js';
import { createLastUsedRecorder, type LastUsedRecorder } from './store/last-used.js';
import { migrateToLatest } from './store/migrate.js';
import { createOneTimeResultStore } from './store/one-time-result-store.js';
import { createPatStore } from './store/pat-store.js';
import { createScopeStore, type ScopeStore } from './store/scope-store.js';
import { createSessionStore, type SessionStore } from './store/session-store.js';
import { loadWebKeys, type WebKeys } from './store/settings-store.js';
import { createRedisCounters, createStoreCounters, type FailureCounters } from './store/throttle-store.js';
import { createTokenAdminStore } from './store/token-admin-store.js';
import { createTokenStore, type TokenStore } from './store/token-store.js';
import { createUserStore, type UserStore } from './store/user-store.js';

export interface Context {
  readonly config: Config;
  readonly store: Store;
  readonly invalidation: Invalidation;
  /** The clock every service and grant reads (tests may inject one). */
  readonly now: () => number;
  /** Stores the protocol core reads and writes (codes, tokens at /oauth/*, sessions). */
  readonly users: UserStore;
  readonly clients: ClientStore;
  readonly tokens: TokenStore;
  readonly codes: CodeStore;
  readonly deviceCodes: DeviceCodeStore;
  /** RFC 8628: the user's side of the device flow (user codes throttled like passwords). */
  readonly deviceVerification: DeviceVerification;
  readonly sessions: SessionStore;
  readonly audit: AuditStore;
  /** The custom scope catalog (the grants read which scopes exist). */
  readonly scopes: ScopeStore;
  /** Client lookups for the OAuth endpoints, cached and invalidated like the token check. */
  readonly clientLookup: ClientLookup;
  /** The browser origins CORS allows, cached until a client changes. */
  readonly corsOrigins: CorsOrigins;
  readonly lastUsed: LastUsedRecorder;
  readonly tokenCheck: TokenCheck;
  readonly counters: FailureCounters;
  readonly loginThrottle: Throttle;
  readonly passwordThrottle: Throttle;
  /** The console's sign-in and sign-out (sessions are protocol writes). */
  readonly consoleLogin: ConsoleLogin;
  /** Every change to what administrators and users manage goes through these. */
  readonly services: Services;
  /** The keys that sign cookies and CSRF tokens, and digest session ids (never read from the database but on PostgreSQL without KEYGATE_SECRET_KEY). */
  readonly webKeys: WebKeys;
  /** This process's Prometheus registry and the counters the HTTP layer feeds (src/metrics.ts). */
  readonly metrics: Metrics;
  close(): Promise<void>;
}

export interface ContextOptions {
  readonly onError?: (err: unknown, what: string) => void;
  /** Skip the PostgreSQL LISTEN connection (one-shot CLI commands that only write). */
  readonly listen?: boolean;
  readonly now?: () => number;
  /** A long-running server: delete expired authorization codes on a timer (every 10 minutes). */
  readonly housekeeping?: boolean;
  /** The other worker processes of this server (KEYGATE_WORKERS): revocations reach them before they return. */
  readonly peers?: InvalidationPeers;
}

export const HOUSEKEEPING_EVERY_MS = 10 * 60_000;

export async function createContext(config: Config, options: ContextOptions = {}): Promise<Context> {
  const store = openStore(config.database);
  try {
    await migrateToLatest(store);
  } catch (err) {
    await store.close();
    throw err;
  }
  const now = options.now ?? Date.now;
  // From KEYGATE_SECRET_KEY or the key file beside a SQLite store, never from the database (on
  // PostgreSQL without the variable: the stored keys, and start warns).
  let webKeys: WebKeys;
  try {
    webKeys = await loadWebKeys(store, config);
  } catch (err) {
    await store.close();
    throw err;
  }
  const invalidation = createInvalidation(store, { onError: (e) => options.onError?.(e, 'invalidation listener'), peers: options.peers });
  if (options.listen !== false) await invalidation.start();
  const tokens = createTokenStore(store, invalidation);
  const lastUsed = createLastUsedRecorder(tokens, { onError: (e) => options.onError?.(e, 'last-used flush') });
  const counters = config.redisUrl ? createRedisCounters(config.redisUrl) : createStoreCounters(store);
  const users = createUserStore(store);
  const clients = createClientStore(store);
  const sessions = createSessionStore(store, { sessionKey: webKeys.sessionKey, idleSeconds: config.sessionIdleSeconds, now });
  const audit = createAuditStore(store);
  const scopes = createScopeStore(store);
  const loginThrottle = createThrottle(counters, 'login', now);
  const services = createServices({
    config,
    stores: {
      clients, users, sessions, audit, pats: createPatStore(store), tokenAdmin: createTokenAdminStore(store), consents: createConsentStore(store),
      scopes, oneTimeResults: createOneTimeResultStore(store),
      authorizations: createAuthorizationStore(store),
    },
    invalidation,
    lastUsed,
    resultKey: webKeys.resultKey,
    now,
  });
  const codes = createCodeStore(store);
  const deviceCodes = createDeviceCodeStore(store);
  const clientLookup = createClientCache(clients, invalidation);
  // Codes live 60 s, device codes 10 minutes, and nothing else deletes them; `tokens:purge` also does.
  const purge = async () => {
    await codes.purgeExpired(now());
    await deviceCodes.purgeExpired(now());
  };
  const housekeeping = options.housekeeping
    ? setInterval(() => void purge().catch((e: unknown) => options.onError?.(e, 'code purge')), HOUSEKEEPING_EVERY_MS)
    : null;
  housekeeping?.unref();
  const tokenCheck = createTokenCheck({ tokens, invalidation, lastUsed, cacheSize: config.tokenCacheSize, now });
  return {
    config,
    store,
    invalidation,
    now,
    tokens,
    users,
    clients,
    codes,
    deviceCodes,
    deviceVerification: createDeviceVerification({ deviceCodes, clients: clientLookup, throttle: createThrottle(counters, 'device', now), now }),
    sessions,
    audit,
    scopes,
    // Every client change goes through the invalidation fan-out, which empties this cache everywhere.
    clientLookup,
    corsOrigins: createCorsOrigins(clients, invalidation),
    lastUsed,
    tokenCheck,
    counters,
    loginThrottle,
    consoleLogin: createConsoleLogin({ users, sessions, throttle: loginThrottle, sessionTtlSeconds: config.sessionTtlSeconds, now }),
    passwordThrottle: createThrottle(counters, 'password', now),
    services,
    webKeys,
    metrics: createMetrics({ tokenCheckCounts: () => tokenCheck.counts, tokenCacheEntries: () => tokenCheck.cacheSize }),
    async close() {
      if (housekeeping) clearInterval(housekeeping);
      await lastUsed.close();
      await invalidation.close();
      await counters.close();
      await store.close();
    },
  };
}
