/**
 * The one token check (ENGINEERING.md, "Revocation model"): token string → principal, or null for
 * every kind of failure. The REST API guard and introspection both call it; nothing else decides
 * whether a token is valid.
 *
 * Hot path: reject malformed strings by prefix and checksum (no hashing, no I/O), hash, and look
 * the digest up in a bounded in-process cache. A miss does one indexed join in the store.
 * Correctness before speed:
 *  - every revocation invalidates the cache before the revoking request returns (see
 *    src/store/invalidation.ts for other processes and nodes);
 *  - a lookup that raced with an invalidation is not cached (generation counter);
 *  - expiry is checked on every hit;
 *  - the cache is bypassed while cross-node notifications could be missed.
 */
import { clientAllowsOrigin } from '../domain/client.js';
import { createCacheAdmission } from './cache-admission.js';
import { effectivePermissions } from '../domain/permission.js';
import { bearerTokenKind, hashSecret, isWellFormedSecret } from '../domain/secret.js';
import type { TokenPrincipal } from '../domain/token.js';
import type { Invalidation } from '../store/invalidation.js';
import type { LastUsedRecorder } from '../store/last-used.js';
import type { TokenStore } from '../store/token-store.js';

interface CacheEntry {
  readonly principal: TokenPrincipal;
  readonly expiresAtMs: number | null;
  lastUsedWrittenMs: number | null;
}

export interface TokenCheck {
  /** The principal a token acts for, or null (unknown, malformed, expired, revoked, rotated, client changed). */
  check(token: string): Promise<TokenPrincipal | null>;
  /** Entries held now (for metrics and tests). */
  readonly cacheSize: number;
  /** Answers so far (read by /metrics): plain increments, nothing else on the hot path. */
  readonly counts: Readonly<TokenCheckCounts>;
}

export interface TokenCheckCounts {
  valid: number;
  invalid: number;
  cacheHits: number;
}

export interface TokenCheckDeps {
  readonly tokens: Pick<TokenStore, 'findForCheck'>;
  readonly invalidation: Pick<Invalidation, 'subscribe' | 'checkExternal' | 'cacheUsable'>;
  readonly lastUsed: Pick<LastUsedRecorder, 'mark' | 'isDue'>;
  readonly cacheSize: number;
  readonly now?: () => number;
}

export function createTokenCheck(deps: TokenCheckDeps): TokenCheck {
  const now = deps.now ?? Date.now;
  const cache = new Map<string, CacheEntry>();
  let generation = 0;
  const counts: TokenCheckCounts = { valid: 0, invalid: 0, cacheHits: 0 };
  // TinyLFU-style admission (src/oauth/cache-admission.ts): a full cache takes a new entry only
  // when it is asked for more often than the one it would evict.
  const admission = deps.cacheSize > 0 ? createCacheAdmission(deps.cacheSize) : null;

  const dropWhere = (stale: (principal: TokenPrincipal) => boolean): void => {
    for (const [hash, entry] of cache) if (stale(entry.principal)) cache.delete(hash);
  };
  deps.invalidation.subscribe((event) => {
    generation++;
    switch (event.kind) {
      case 'all':
        cache.clear();
        break;
      case 'tokens':
        for (const hash of event.hashes) cache.delete(hash);
        break;
      case 'clients': {
        const ids = new Set(event.ids);
        dropWhere((p) => ids.has(p.clientId));
        break;
      }
      case 'users': {
        const ids = new Set(event.ids);
        dropWhere((p) => p.userId !== null && ids.has(p.userId));
        break;
      }
    }
  });

  const touch = (entry: CacheEntry, nowMs: number): void => {
    if (entry.principal.kind !== 'refresh_token' && deps.lastUsed.isDue(entry.lastUsedWrittenMs, nowMs)) {
      entry.lastUsedWrittenMs = nowMs;
      deps.lastUsed.mark(entry.principal.tokenId, nowMs);
    }
  };

  const remember = (hash: string, entry: CacheEntry): void => {
    if (admission === null) return;
    if (cache.size >= deps.cacheSize) {
      // The candidate victim is the oldest insertion (Map keeps insertion order): O(1), no
      // per-hit reordering. It stays unless the new entry is the more frequently asked for.
      const oldest = cache.keys().next().value;
      if (oldest !== undefined) {
        if (!admission.admit(hash, oldest)) return;
        cache.delete(oldest);
      }
    }
    cache.set(hash, entry);
  };

  const lookup = async (token: string): Promise<TokenPrincipal | null> => {
    const kind = bearerTokenKind(token);
    if (kind === null || !isWellFormedSecret(token, kind)) return null;
    const hash = hashSecret(token);
    deps.invalidation.checkExternal();
    const useCache = deps.invalidation.cacheUsable();
    let nowMs = now();
    if (useCache) admission?.record(hash);

    const hit = useCache ? cache.get(hash) : undefined;
    if (hit) {
      if (hit.expiresAtMs !== null && nowMs >= hit.expiresAtMs) {
        cache.delete(hash);
        return null;
      }
      touch(hit, nowMs);
      counts.cacheHits++;
      return hit.principal;
    }

    const startGeneration = generation;
    const record = await deps.tokens.findForCheck(hash);
    nowMs = now();
    if (!record) return null;
    if (record.revokedAt !== null || record.rotatedAt !== null) return null;
    if (record.expiresAt !== null && nowMs >= record.expiresAt) return null;
    if (!clientAllowsOrigin(record.clientTypes, record.origin)) return null;
    if (record.userId !== null && record.username === null) return null;

    // A user's token acts with the user's permissions; a client-credentials token with the client's.
    const forUser = record.userId !== null;
    const administrator = forUser && record.administrator;
    const principal: TokenPrincipal = {
      tokenId: record.id,
      kind: record.kind,
      clientId: record.clientId,
      userId: record.userId,
      username: record.username,
      administrator,
      permissions: effectivePermissions(administrator, forUser ? record.userPermissions : record.clientPermissions),
      scopes: record.scopes,
      issuedAt: new Date(record.createdAt),
      expiresAt: record.expiresAt === null ? null : new Date(record.expiresAt),
    };
    const entry: CacheEntry = { principal, expiresAtMs: record.expiresAt, lastUsedWrittenMs: record.lastUsedAt };
    touch(entry, nowMs);
    // Cache only if no invalidation happened while we were reading: the row may be stale. Refresh
    // tokens are never cached: a rotation retires them without an invalidation (that would flush
    // every process's cache on every refresh), and only introspection asks about them.
    if (useCache && generation === startGeneration && record.kind !== 'refresh_token') remember(hash, entry);
    return principal;
  };

  return {
    async check(token) {
      const principal = await lookup(token);
      if (principal === null) counts.invalid++;
      else counts.valid++;
      return principal;
    },
    counts,
    get cacheSize() {
      return cache.size;
    },
  };
}
