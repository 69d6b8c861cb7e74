/**
 * Redirect URI matching (RFC 6749 §3.1.2.3, RFC 9700 §4.1.3): exact string comparison, except
 * that a loopback IP redirect (http://127.0.0.1/…, http://[::1]/…) matches on any port, since
 * native apps pick an ephemeral port at run time (RFC 8252 §7.3).
 *
 * Everything is compared as the raw strings that were sent, never as parsed URLs: a parser and a
 * browser may read the same string differently (WHATWG URL turns `\` into `/` and drops tabs;
 * `127.0.0.1:9000\@evil.com` has a host on one reading and user info on another). So a presented
 * URI is refused outright when it holds a backslash or user info (an `@` before the path), and a
 * loopback URI matches only when, with the `:port` cut out of the raw string, it is the registered
 * URI (also without its port) to the byte.
 */

/** The hosts RFC 8252 §7.3 allows any port for, as written in the URI: IP literals only (§8.3). */
const LOOPBACK_AUTHORITY = /^(127\.0\.0\.1|\[::1\])(?::([1-9][0-9]{0,4}))?$/;
const LOOPBACK_SCHEME = 'http://';

/** The raw authority (between `scheme://` and the first `/`, `?` or `#`), or null when there is none. */
function rawAuthority(uri: string): { start: number; end: number } | null {
  const schemeEnd = uri.indexOf('://');
  if (schemeEnd <= 0) return null;
  const start = schemeEnd + 3;
  let end = start;
  while (end < uri.length && uri[end] !== '/' && uri[end] !== '?' && uri[end] !== '#') end++;
  return { start, end };
}

/**
 * True when the presented URI carries something that a parser and a browser may read two ways, or
 * that smuggles a second host: a backslash anywhere, or user info (`@` in the authority).
 */
export function isAmbiguousRedirect(uri: string): boolean {
  if (uri.includes('\\')) return true;
  const authority = rawAuthority(uri);
  return authority !== null && uri.slice(authority.start, authority.end).includes('@');
}

/**
 * The loopback URI with its `:port` removed, as raw text (`http://127.0.0.1:9000/cb?x` →
 * `http://127.0.0.1/cb?x`); null when it is not an http URI on a loopback IP literal with, at
 * most, a valid port. The scheme and host must be written in lower case, as registered.
 */
function loopbackWithoutPort(uri: string): string | null {
  if (!uri.startsWith(LOOPBACK_SCHEME)) return null;
  const authority = rawAuthority(uri)!;
  const match = LOOPBACK_AUTHORITY.exec(uri.slice(authority.start, authority.end));
  if (!match || (match[2] !== undefined && Number(match[2]) > 65535)) return null;
  return LOOPBACK_SCHEME + match[1]! + uri.slice(authority.end);
}

/** True when `presented` matches the `registered` redirect URI. */
export function redirectMatches(registered: string, presented: string): boolean {
  if (isAmbiguousRedirect(presented)) return false;
  if (registered === presented) return true;
  const reg = loopbackWithoutPort(registered);
  return reg !== null && reg === loopbackWithoutPort(presented);
}

/**
 * The redirect URI to use for a request: the presented one when it matches a registered one, or
 * the only registered one when none was presented (RFC 6749 §3.1.2.3). Null means: do not redirect.
 */
export function resolveRedirectUri(registered: readonly string[], presented: string | undefined): string | null {
  if (presented === undefined) return registered.length === 1 ? registered[0]! : null;
  return registered.some((r) => redirectMatches(r, presented)) ? presented : null;
}
