/**
 * Redirect URI matching (RFC 6749 §3.1.2.3, RFC 9700 §4.1.3): exact string comparison, except
 * that a loopback IP redirect (http://127.0.0.1/…, http://[::1]/…) matches on any port, since
 * native apps pick an ephemeral port at run time (RFC 8252 §7.3).
 */

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]']);

function parse(value: string): URL | null {
  try {
    return new URL(value);
  } catch {
    return null;
  }
}

function isLoopbackIp(url: URL): boolean {
  return url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname);
}

/**
 * The registered redirect URI with the port taken away, compared as written, so that nothing but
 * the port may differ (path, query, user info, case all must match exactly).
 */
function withoutPort(raw: string, url: URL): string | null {
  const authorityStart = raw.indexOf('//') + 2;
  const pathStart = raw.indexOf('/', authorityStart);
  const authority = raw.slice(authorityStart, pathStart === -1 ? undefined : pathStart);
  const host = url.hostname;
  if (authority !== host && !authority.startsWith(`${host}:`)) return null;
  return raw.slice(0, authorityStart) + host + (pathStart === -1 ? '' : raw.slice(pathStart));
}

/** True when `presented` matches the `registered` redirect URI. */
export function redirectMatches(registered: string, presented: string): boolean {
  if (registered === presented) return true;
  const reg = parse(registered);
  const pre = parse(presented);
  if (!reg || !pre || !isLoopbackIp(reg) || !isLoopbackIp(pre)) return false;
  const a = withoutPort(registered, reg);
  const b = withoutPort(presented, pre);
  return a !== null && a === b;
}

/**
 * The redirect URI to use for a request: the presented one when it matches a registered one, or
 * the only registered one when none was presented (RFC 6749 §3.1.2.3). Null means: do not redirect.
 */
export function resolveRedirectUri(registered: readonly string[], presented: string | undefined): string | null {
  if (presented === undefined) return registered.length === 1 ? registered[0]! : null;
  return registered.some((r) => redirectMatches(r, presented)) ? presented : null;
}
