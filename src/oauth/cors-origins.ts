/**
 * The CORS allowed-origin set (src/domain/cors.ts), read from the store once and kept until a
 * client changes: every client write goes through the invalidation fan-out with a `clients` event
 * (or `all`), which drops the set here, in other processes on the same SQLite file
 * (`checkExternal`) and on other PostgreSQL nodes (LISTEN/NOTIFY). While cross-node notifications
 * could be missed, the set is read again for each request.
 */
import { allowedOriginsOf, isOriginAllowed, type AllowedOrigins } from '../domain/cors.js';
import type { ClientStore } from '../store/client-store.js';
import type { Invalidation } from '../store/invalidation.js';

export interface CorsOrigins {
  /** Whether a request with this `Origin` header gets CORS headers. */
  allows(origin: string | undefined): Promise<boolean>;
}

export function createCorsOrigins(clients: Pick<ClientStore, 'corsSources'>, invalidation: Pick<Invalidation, 'subscribe' | 'checkExternal' | 'cacheUsable'>): CorsOrigins {
  let cached: Promise<AllowedOrigins> | null = null;
  let generation = 0;
  invalidation.subscribe((event) => {
    if (event.kind !== 'all' && event.kind !== 'clients') return;
    cached = null;
    generation++;
  });
  const load = (): Promise<AllowedOrigins> => {
    invalidation.checkExternal();
    if (cached && invalidation.cacheUsable()) return cached;
    const start = generation;
    const loading = clients.corsSources().then(allowedOriginsOf);
    // Kept only if no invalidation arrived while reading, and dropped if the read fails.
    if (invalidation.cacheUsable()) {
      cached = loading;
      loading.then(
        () => {
          if (generation !== start && cached === loading) cached = null;
        },
        () => {
          if (cached === loading) cached = null;
        },
      );
    }
    return loading;
  };
  return {
    async allows(origin) {
      if (origin === undefined || origin === 'null') return false;
      return isOriginAllowed(await load(), origin);
    },
  };
}
