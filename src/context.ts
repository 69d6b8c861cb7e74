/**
 * Builds everything the server and the CLI share from a Config: the store (migrated), the
 * per-table stores, revocation fan-out, the token check and the throttles. `close()` flushes
 * pending last-use writes and closes connections in order.
 */
import type { Config } from './config.js';
import { createThrottle, type Throttle } from './oauth/throttle.js';
import { createTokenCheck, type TokenCheck } from './oauth/token-check.js';
import { createAuditStore, type AuditStore } from './store/audit-store.js';
import { createClientStore, type ClientStore } from './store/client-store.js';
import { openStore, type Store } from './store/db.js';
import { createInvalidation, type Invalidation } from './store/invalidation.js';
import { createLastUsedRecorder, type LastUsedRecorder } from './store/last-used.js';
import { migrateToLatest } from './store/migrate.js';
import { createSessionStore, type SessionStore } from './store/session-store.js';
import { createRedisCounters, createStoreCounters, type FailureCounters } from './store/throttle-store.js';
import { createTokenStore, type TokenStore } from './store/token-store.js';
import { createUserStore, type UserStore } from './store/user-store.js';

export interface Context {
  readonly config: Config;
  readonly store: Store;
  readonly invalidation: Invalidation;
  readonly users: UserStore;
  readonly clients: ClientStore;
  readonly tokens: TokenStore;
  readonly sessions: SessionStore;
  readonly audit: AuditStore;
  readonly lastUsed: LastUsedRecorder;
  readonly tokenCheck: TokenCheck;
  readonly counters: FailureCounters;
  readonly loginThrottle: Throttle;
  readonly passwordThrottle: Throttle;
  close(): Promise<void>;
}

export interface ContextOptions {
  readonly onError?: (err: unknown, what: string) => void;
  /** Skip the PostgreSQL LISTEN connection (one-shot CLI commands that only write). */
  readonly listen?: boolean;
}

export async function createContext(config: Config, options: ContextOptions = {}): Promise<Context> {
  const store = openStore(config.database);
  try {
    await migrateToLatest(store);
  } catch (err) {
    await store.close();
    throw err;
  }
  const invalidation = createInvalidation(store, { onError: (e) => options.onError?.(e, 'invalidation listener') });
  if (options.listen !== false) await invalidation.start();
  const tokens = createTokenStore(store, invalidation);
  const lastUsed = createLastUsedRecorder(tokens, { onError: (e) => options.onError?.(e, 'last-used flush') });
  const counters = config.redisUrl ? createRedisCounters(config.redisUrl) : createStoreCounters(store);
  return {
    config,
    store,
    invalidation,
    tokens,
    users: createUserStore(store, invalidation),
    clients: createClientStore(store, invalidation),
    sessions: createSessionStore(store),
    audit: createAuditStore(store),
    lastUsed,
    tokenCheck: createTokenCheck({ tokens, invalidation, lastUsed, cacheSize: config.tokenCacheSize }),
    counters,
    loginThrottle: createThrottle(counters, 'login'),
    passwordThrottle: createThrottle(counters, 'password'),
    async close() {
      await lastUsed.close();
      await invalidation.close();
      await counters.close();
      await store.close();
    },
  };
}
