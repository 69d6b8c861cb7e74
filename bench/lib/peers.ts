/** The systems Keygate is compared with, each started as its own process and stopped by pid. */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { freePort, startNode, type Proc } from './proc.js';

export interface Peer {
  readonly proc: Proc;
  readonly base: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly basic: string;
  stop(): Promise<void>;
}

export type PeerName = 'bare' | 'fastify' | 'oidc' | 'oauth2-server';

const FILES: Record<PeerName, string> = {
  bare: 'bare.ts',
  fastify: 'fastify.ts',
  oidc: 'oidc.ts',
  'oauth2-server': 'oauth2-server.ts',
};

export const PEER_CONFIGS: Record<string, string> = {
  'bare node:http': 'bench/servers/bare.ts — `http.createServer` answering `GET /api/1.0/users/me` with the same JSON bytes Keygate returns; no auth, no framework.',
  'bare node:http + Keygate\'s headers (reference)': 'bench/servers/bare.ts with `BENCH_HEADERS`: the same server also sending every header Keygate sent on the same GET in this run (security headers, `www-authenticate` aside), byte for byte: what the headers alone cost.',
  'Fastify, no plugins + Keygate\'s headers (reference)': 'bench/servers/fastify.ts with `BENCH_HEADERS`: the same, with every header Keygate sent on the same GET set in an onRequest hook: the floor under Keygate\'s API call before any authentication.',
  'Fastify, no plugins (reference)': 'bench/servers/fastify.ts — Fastify 5 with no plugins and a response schema, answering the same GET with the same JSON: what the framework alone costs.',
  'oidc-provider 9.13.3': 'bench/servers/oidc.ts — one confidential client (client_secret_basic) with only client_credentials, `features.clientCredentials` and `features.introspection` enabled, opaque tokens in the built-in in-memory adapter, default settings otherwise (quick-start signing keys); `NODE_ENV=production`.',
  '@node-oauth/oauth2-server 5.3.0 + express 5.3.0': 'bench/servers/oauth2-server.ts — in-memory model (Maps), one confidential client with client_credentials, default random opaque tokens, `express.urlencoded` body parser, `authenticate()` in front of `GET /api/1.0/users/me`; `NODE_ENV=production`.',
};

export async function startPeer(name: PeerName, meJson: string, env: Record<string, string> = {}): Promise<Peer> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const clientId = `bench-${randomBytes(4).toString('hex')}`;
  const clientSecret = randomBytes(24).toString('base64url');
  const proc = await startNode({
    name,
    // tsx only loads the file; the server then runs as plain JavaScript in node.
    nodeArgs: ['--import', 'tsx'],
    args: [join(process.cwd(), 'bench', 'servers', FILES[name])],
    env: { PORT: String(port), NODE_ENV: 'production', BENCH_JSON: meJson, BENCH_CLIENT_ID: clientId, BENCH_CLIENT_SECRET: clientSecret, BENCH_COOKIE_KEY: randomBytes(16).toString('hex'), ...env },
    readyUrl: name === 'oidc' ? `${base}/.well-known/openid-configuration` : `${base}/api/1.0/users/me`,
  });
  return { proc, base, clientId, clientSecret, basic: basicAuth(clientId, clientSecret), stop: () => proc.stop() };
}

export function basicAuth(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

/** Obtains a client-credentials access token from a peer (oidc: /token; oauth2-server: /oauth/token). */
export async function peerToken(peer: Peer, path: string): Promise<string> {
  const res = await fetch(`${peer.base}${path}`, {
    method: 'POST',
    headers: { authorization: peer.basic, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials&scope=api',
  });
  const json = (await res.json()) as { access_token?: string };
  if (!res.ok || !json.access_token) throw new Error(`${peer.proc.name}: token request failed (${res.status}): ${JSON.stringify(json)}`);
  return json.access_token;
}
