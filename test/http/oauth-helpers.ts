/**
 * Shared steps for the OAuth endpoint suites: clients made directly in the store, a PKCE pair,
 * token requests over real HTTP, and the authorize → login → consent dance through WebClient.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Context } from '../../src/context.js';
import { s256Challenge } from '../../src/domain/pkce.js';
import { createClient, type TestClientInput } from '../helpers/app.js';
import { WebClient, type HttpResponse } from '../helpers/http.js';

export interface TestClient {
  readonly id: string;
  readonly secret: string | null;
  readonly redirect: string[];
}

let counter = 0;

export async function makeClient(ctx: Pick<Context, 'services'>, input: Partial<TestClientInput> & Pick<TestClientInput, 'types'>): Promise<TestClient> {
  const { client, secret } = await createClient(ctx, { name: input.name ?? `App ${++counter} ${randomBytes(3).toString('hex')}`, ...input });
  return { id: client.id, secret, redirect: client.redirect };
}

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: s256Challenge(verifier) };
}

export interface TokenCallOptions {
  readonly basic?: TestClient;
  readonly json?: boolean;
  readonly headers?: Record<string, string>;
}

export interface TokenCall {
  readonly status: number;
  readonly headers: Headers;
  readonly body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export function basicHeader(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

/** POSTs to an OAuth endpoint (form by default) and parses the JSON answer. */
export async function oauthPost(baseUrl: string, path: string, params: Record<string, string | string[]>, options: TokenCallOptions = {}): Promise<TokenCall> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.basic) headers.authorization = basicHeader(options.basic.id, options.basic.secret ?? '');
  let body: string;
  if (options.json) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(params);
  } else {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    const form = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) for (const item of Array.isArray(v) ? v : [v]) form.append(k, item);
    body = form.toString();
  }
  const res = await fetch(baseUrl + path, { method: 'POST', headers, body });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
}

/** Client authentication in the body (client_secret_post, or client_id only for a public client). */
export function bodyAuth(client: TestClient): Record<string, string> {
  return client.secret ? { client_id: client.id, client_secret: client.secret } : { client_id: client.id };
}

export function authorizePath(params: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, v);
  return `/oauth/authorize?${q.toString()}`;
}

/** GETs /oauth/authorize as a logged-in WebClient and, if the consent page shows, submits `decision`. */
export async function authorize(web: WebClient, params: Record<string, string | undefined>, decision: 'authorize' | 'deny' = 'authorize'): Promise<HttpResponse> {
  return authorizeAt(web, authorizePath(params), decision);
}

/** The same, for an authorization URL built elsewhere (by a client library): its path and query as they are. */
export async function authorizeAt(web: WebClient, pathAndQuery: string, decision: 'authorize' | 'deny' = 'authorize'): Promise<HttpResponse> {
  const page = await web.get(pathAndQuery);
  if (page.status !== 200 || !page.text.includes('name="decision"')) return page;
  const fields: Record<string, string> = {};
  for (const m of page.text.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    fields[m[1]!] = m[2]!.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>');
  }
  return web.postForm('/oauth/authorize', { ...fields, decision });
}

/** The query parameters of a redirect response's Location. */
export function redirectParams(res: HttpResponse): URLSearchParams {
  const location = res.headers.get('location');
  if (!location) throw new Error(`expected a redirect, got ${res.status}: ${res.text.slice(0, 200)}`);
  return new URL(location).searchParams;
}

/** Logs in and runs authorize + consent; returns the code. */
export async function obtainCode(
  web: WebClient,
  client: TestClient,
  options: { redirectUri?: string; challenge?: string; scope?: string; state?: string } = {},
): Promise<string> {
  const res = await authorize(web, {
    response_type: 'code',
    client_id: client.id,
    redirect_uri: options.redirectUri ?? client.redirect[0],
    scope: options.scope,
    state: options.state ?? 'xyz',
    code_challenge: options.challenge,
    code_challenge_method: options.challenge ? 'S256' : undefined,
  });
  const code = redirectParams(res).get('code');
  if (!code) throw new Error(`no code in ${res.headers.get('location')}`);
  return code;
}

export async function me(baseUrl: string, token: string): Promise<number> {
  const res = await fetch(`${baseUrl}/api/1.0/users/me`, { headers: { authorization: `Bearer ${token}` } });
  await res.arrayBuffer();
  return res.status;
}

/** Enters a user code on /device as `web`'s user; returns the page that follows (consent or an error). */
export async function enterUserCode(web: WebClient, userCode: string): Promise<{ status: number; text: string }> {
  const form = await web.get('/device');
  return web.postForm('/device', { _csrf: WebClient.csrfFrom(form.text), user_code: userCode });
}

/** Answers the consent page for a user code (Authorize or Deny). */
export async function answerDevice(web: WebClient, userCode: string, decision: 'authorize' | 'deny'): Promise<{ status: number; text: string }> {
  const consent = await enterUserCode(web, userCode);
  assert.equal(consent.status, 200, consent.text.slice(0, 300));
  assert.match(consent.text, />Authorize</);
  return web.postForm('/device', { _csrf: WebClient.csrfFrom(consent.text), user_code: userCode, decision });
}
