/** Logging in from a chosen loopback address (127.0.0.x acts as another client IP). */
import type { Agent } from 'node:http';
import { rawRequest, type RawResponse } from './index.js';

export interface AddressedLogin {
  attempt(username: string, password: string): Promise<RawResponse & { ms: number }>;
}

function cookiesOf(res: RawResponse): string {
  const set = res.headers['set-cookie'] ?? [];
  return (Array.isArray(set) ? set : [set]).map((c) => c.split(';')[0]).join('; ');
}

/**
 * Opens the login form from `localAddress` once, then posts attempts with its CSRF token. With a
 * keep-alive `agent`, the attempts reuse the form's connection (no new TCP handshake).
 */
export async function loginFrom(baseUrl: string, localAddress: string, agent?: Agent): Promise<AddressedLogin> {
  const page = await rawRequest(baseUrl, { path: '/login', localAddress, ...(agent ? { agent } : {}) });
  const token = /name="_csrf" value="([^"]+)"/.exec(page.text())?.[1];
  if (!token) throw new Error('no CSRF token on /login');
  const cookie = cookiesOf(page);
  return {
    async attempt(username, password) {
      const started = process.hrtime.bigint();
      const res = await rawRequest(baseUrl, {
        method: 'POST',
        path: '/login',
        localAddress,
        ...(agent ? { agent } : {}),
        headers: [['content-type', 'application/x-www-form-urlencoded'], ['cookie', cookie]],
        body: new URLSearchParams({ _csrf: token, username, password, next: '' }).toString(),
      });
      return Object.assign(res, { ms: Number(process.hrtime.bigint() - started) / 1e6 });
    },
  };
}

/** The page without per-request values (CSRF tokens, echoed username), to compare two answers. */
export function comparable(html: string): string {
  return html.replace(/value="[^"]*"/g, 'value=""');
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
