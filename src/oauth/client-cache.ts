/**
 * Client lookups for the OAuth endpoints (one per token request: the benchmark's hot path),
 * cached in-process and invalidated exactly like the token-check cache: every change to a client
 * (update, delete, new secret) goes through the invalidation fan-out with a `clients` event, which
 * drops it from this cache in this process, in other processes on the same SQLite file
 * (`checkExternal`) and on other PostgreSQL nodes (LISTEN/NOTIFY). While cross-node
 * notifications could be missed, the cache is bypassed. Unknown ids are never cached.
 */
import type { ClientStore, ClientWithSecretState } from '../store/client-store.js';
import type { Invalidation } from '../store/invalidation.js';

export type ClientLookup = Pick<ClientStore, 'findById' | 'secretMatches'>;

export function createClientCache(
  clients: ClientLookup,
  invalidation: Pick<Invalidation, 'subscribe' | 'checkExternal' | 'cacheUsable'>,
  maxEntries = 1000,
): ClientLookup {
  const cache = new Map<string, ClientWithSecretState>();
  let generation = 0;
  invalidation.subscribe((event) => {
    // Token- and user-only events leave clients be.
    if (event.kind === 'all') cache.clear();
    else if (event.kind === 'clients') for (const id of event.ids) cache.delete(id);
    else return;
    generation++;
  });
  return {
    async findById(id) {
      invalidation.checkExternal();
      const usable = invalidation.cacheUsable();
      const hit = usable ? cache.get(id) : undefined;
      if (hit) return hit;
      const start = generation;
      const client = await clients.findById(id);
      // Not cached if an invalidation arrived while reading: the row may already be stale.
      if (client && usable && generation === start && maxEntries > 0) {
        if (cache.size >= maxEntries) cache.delete(cache.keys().next().value!);
        cache.set(id, client);
      }
      return client;
    },
    secretMatches: (client, presented, nowMs) => clients.secretMatches(client, presented, nowMs),
  };
}
