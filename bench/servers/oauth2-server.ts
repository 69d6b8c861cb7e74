/**
 * @node-oauth/oauth2-server 5 on express 5, as the benchmark configures it: an in-memory model
 * (Maps) with one confidential client allowed client_credentials, the library's default random
 * opaque tokens, `POST /oauth/token` (urlencoded body, client_secret_basic) and a protected
 * `GET /api/1.0/users/me` behind `authenticate()` returning the same JSON as the other systems.
 */
import OAuth2Server, { Request, Response } from '@node-oauth/oauth2-server';
import express from 'express';

interface Token {
  accessToken: string;
  accessTokenExpiresAt?: Date;
  scope?: string[];
  client: { id: string; grants: string[] };
  user: Record<string, unknown>;
}

const client = { id: process.env.BENCH_CLIENT_ID!, secret: process.env.BENCH_CLIENT_SECRET!, grants: ['client_credentials'] };
const user = { id: 'bench-user' };
const tokens = new Map<string, Token>();
const body = JSON.parse(process.env.BENCH_JSON ?? '{}') as unknown;

const oauth = new OAuth2Server({
  model: {
    async getClient(id: string, secret: string) {
      return id === client.id && secret === client.secret ? { id: client.id, grants: client.grants } : null;
    },
    async getUserFromClient() {
      return user;
    },
    async saveToken(token: Token, c: Token['client'], u: Token['user']) {
      const saved = { ...token, client: c, user: u };
      tokens.set(token.accessToken, saved);
      return saved;
    },
    async getAccessToken(accessToken: string) {
      return tokens.get(accessToken) ?? null;
    },
    async validateScope(_u: unknown, _c: unknown, scope?: string[]) {
      return scope && scope.length > 0 ? scope : ['api'];
    },
    async verifyScope() {
      return true;
    },
  },
  accessTokenLifetime: 3600,
});

const app = express();
app.disable('x-powered-by');
app.use(express.urlencoded({ extended: false }));
app.post('/oauth/token', async (req, res) => {
  const response = new Response(res as never);
  try {
    const token = await oauth.token(new Request(req as never), response);
    res.json({ access_token: token.accessToken, token_type: 'Bearer', expires_in: 3600, scope: (token.scope ?? []).join(' ') });
  } catch (err) {
    const e = err as { code?: number; name?: string; message?: string };
    res.status(e.code ?? 500).json({ error: e.name, error_description: e.message });
  }
});
app.get('/api/1.0/users/me', async (req, res) => {
  try {
    await oauth.authenticate(new Request(req as never), new Response(res as never));
    res.json(body);
  } catch (err) {
    const e = err as { code?: number; name?: string };
    res.status(e.code ?? 500).json({ error: e.name });
  }
});
const server = app.listen(Number(process.env.PORT), '127.0.0.1', () => {});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
