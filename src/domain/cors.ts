/**
 * Which browser origins may call the endpoints a single-page app needs (metadata, token,
 * revocation, device authorization) — the CORS decision, with no I/O.
 *
 * A preflight names no client, so the answer is one set for the whole server: the origins of
 * every public client's redirect URLs (a loopback redirect matches any port, RFC 8252 §7.3, so its
 * origin does too) and every client's explicit `allowed_origins`. The origin `null` (sandboxed
 * frames, file: pages, some redirects) is never allowed: any page can send it.
 */
import { LOOPBACK_HOSTS } from './client-rules.js';
import { parseOrigin } from './client-settings.js';

/** What the allowed-origin set is made from: each client's kind, redirect URLs and allowed origins. */
export interface CorsSource {
  readonly confidential: boolean;
  readonly redirect: readonly string[];
  readonly allowedOrigins: readonly string[];
}

export interface AllowedOrigins {
  /** Exact origins (`https://app.example.com`, `http://localhost:5173`). */
  readonly exact: ReadonlySet<string>;
  /** Loopback `scheme://host` (no port) from public clients' loopback redirects: any port. */
  readonly loopbackAnyPort: ReadonlySet<string>;
}

/** `scheme://host` of a loopback origin without its port, or null for any other origin. */
function loopbackKey(url: URL): string | null {
  return LOOPBACK_HOSTS.has(url.hostname) ? `${url.protocol}//${url.hostname}` : null;
}

/** The allowed-origin set of these clients. */
export function allowedOriginsOf(sources: Iterable<CorsSource>): AllowedOrigins {
  const exact = new Set<string>();
  const loopbackAnyPort = new Set<string>();
  for (const source of sources) {
    for (const origin of source.allowedOrigins) {
      const parsed = parseOrigin(origin);
      if (parsed !== null) exact.add(parsed);
    }
    if (source.confidential) continue;
    for (const redirect of source.redirect) {
      let url: URL;
      try {
        url = new URL(redirect);
      } catch {
        continue;
      }
      if (url.protocol !== 'https:' && url.protocol !== 'http:') continue;
      const loopback = loopbackKey(url);
      if (loopback !== null) loopbackAnyPort.add(loopback);
      else exact.add(url.origin);
    }
  }
  return { exact, loopbackAnyPort };
}

/**
 * Whether a request's `Origin` header may be answered with CORS headers. Only a well-formed
 * http(s) origin as browsers send it (lower-case scheme and host, no path) can match; `null`,
 * several origins and anything else never do.
 */
export function isOriginAllowed(allowed: AllowedOrigins, origin: string | undefined): boolean {
  if (origin === undefined || origin === 'null') return false;
  const parsed = parseOrigin(origin);
  if (parsed === null || parsed !== origin) return false;
  if (allowed.exact.has(parsed)) return true;
  const loopback = loopbackKey(new URL(parsed));
  return loopback !== null && allowed.loopbackAnyPort.has(loopback);
}
