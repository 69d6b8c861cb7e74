/**
 * OAuth flows over real HTTP, as a client application runs them (INTERFACE.md, "OAuth wire
 * formats"): the authorization code flow with PKCE through the login and consent pages, and the
 * token endpoint grants.
 */
import { createHash, randomBytes } from 'node:crypto';
import { WebClient } from '../../test/helpers/http.js';
import { rawRequest, type RawResponse } from './index.js';
import { basic } from './nodes.js';

export interface TokenAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

export async function tokenRequest(baseUrl: string, clientId: string, secret: string | null, params: Record<string, string>): Promise<TokenAnswer> {
  const headers: Array<[string, string]> = [['content-type', 'application/x-www-form-urlencoded']];
  const fields = new URLSearchParams(params);
  if (secret) headers.push(['authorization', basic(clientId, secret)]);
  else fields.set('client_id', clientId);
  const res: RawResponse = await rawRequest(baseUrl, { method: 'POST', path: '/oauth/token', headers, body: fields.toString() });
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(res.text());
  } catch {
    body = { raw: res.text() };
  }
  return { status: res.status, body };
}

export async function revoke(baseUrl: string, clientId: string, secret: string, token: string): Promise<number> {
  const res = await rawRequest(baseUrl, {
    method: 'POST',
    path: '/oauth/revoke',
    headers: [['content-type', 'application/x-www-form-urlencoded'], ['authorization', basic(clientId, secret)]],
    body: new URLSearchParams({ token }).toString(),
  });
  return res.status;
}

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/**
 * Runs the browser part of the code flow for a signed-in `web` client: GET /oauth/authorize, press
 * Authorize on the consent page (unless the client is trusted), and return the code.
 */
export async function authorizationCode(web: WebClient, clientId: string, redirectUri: string, challenge: string): Promise<string> {
  const state = randomBytes(8).toString('hex');
  const query = new URLSearchParams({ response_type: 'code', client_id: clientId, redirect_uri: redirectUri, scope: 'api', state, code_challenge: challenge, code_challenge_method: 'S256' });
  let res = await web.get(`/oauth/authorize?${query}`);
  if (res.status === 200) {
    const fields: Record<string, string> = {};
    const form = /<form[^>]*action="\/oauth\/authorize"[^>]*>([\s\S]*?)<\/form>/.exec(res.text)?.[1] ?? '';
    for (const m of form.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) fields[m[1]!] = decodeEntities(m[2]!);
    res = await web.postForm('/oauth/authorize', { ...fields, decision: 'authorize' });
  }
  const location = res.headers.get('location');
  if (!location) throw new Error(`no redirect from the authorization endpoint: ${res.status} ${res.text.slice(0, 300)}`);
  const url = new URL(location);
  if (url.searchParams.get('state') !== state) throw new Error(`state mismatch: ${location}`);
  const code = url.searchParams.get('code');
  if (!code) throw new Error(`no code: ${location}`);
  return code;
}

function decodeEntities(s: string): string {
  return s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#x2F;/g, '/').replace(/&amp;/g, '&');
}
