/**
 * Which part of Keygate a URL belongs to. The answer decides the error format and the security
 * headers: JSON surfaces (REST API, OAuth endpoints, metadata, health) never serve a document.
 */
export const API_PREFIX = '/api/1.0';

/** Answers are JSON, never HTML: the REST API, /oauth/* but the authorization page, metadata, /health. */
export function isJsonSurface(url: string): boolean {
  if (url.startsWith('/oauth/')) return !url.startsWith('/oauth/authorize');
  return url.startsWith(`${API_PREFIX}/`) || url.startsWith('/.well-known/') || url === '/health' || url.startsWith('/health?');
}

/** Errors are answered in JSON: the JSON surfaces, and anything else under /api/ (the docs). */
export function wantsJsonErrors(url: string): boolean {
  return isJsonSurface(url) || url.startsWith('/api/');
}
