/**
 * Which part of Keygate a URL belongs to. The answer decides the error format and the security
 * headers: JSON surfaces (REST API, OAuth endpoints, metadata, health) never serve a document.
 */
export const API_PREFIX = '/api/1.0';

/** The OAuth endpoints clients call (token, revoke, introspect): RFC 6749 JSON errors. The authorization endpoint is a page. */
export function isOAuthEndpoint(url: string): boolean {
  return url.startsWith('/oauth/') && !url.startsWith('/oauth/authorize');
}

/** Answers are JSON (or Prometheus text), never HTML: the REST API, the OAuth endpoints, metadata, /health*, /metrics, the gateway check. */
export function isJsonSurface(url: string): boolean {
  return (
    isOAuthEndpoint(url) ||
    url.startsWith('/gateway/') ||
    url.startsWith(`${API_PREFIX}/`) ||
    url.startsWith('/.well-known/') ||
    /^\/health(\/live|\/ready)?(\?|$)/.test(url) ||
    /^\/metrics(\?|$)/.test(url)
  );
}

/** Errors are answered in JSON: the JSON surfaces, and anything else under /api/ (the docs). */
export function wantsJsonErrors(url: string): boolean {
  return isJsonSurface(url) || url.startsWith('/api/');
}
