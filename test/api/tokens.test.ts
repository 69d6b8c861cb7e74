/**
 * Token hygiene over real HTTP on SQLite and PostgreSQL: the administrators' list of every active
 * token with its filters and the rotation flag, and bulk revocation (dry run, then for real, with
 * the revoked tokens refused on the next request and an audit event without the token).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { displayPrefix, hashSecret, issueSecret } from '../../src/domain/secret.js';
import type { TokenKind } from '../../src/domain/token.js';
import { createClient, createUser, issuePat, startServer, type TestServer } from '../helpers/app.js';
import { WebClient } from '../helpers/http.js';
import { storeKinds } from '../helpers/stores.js';

const DAY = 86_400_000;

async function seedToken(
  server: TestServer,
  t: { kind: TokenKind; clientId: string; userId: string | null; name?: string; ageDays?: number; lastUsedDaysAgo?: number; expiresAt?: number | null },
): Promise<{ id: string; token: string }> {
  const prefix = t.kind === 'personal_access_token' ? 'personalAccessToken' : t.kind === 'refresh_token' ? 'refreshToken' : 'accessToken';
  const token = issueSecret(prefix);
  const createdAt = Date.now() - (t.ageDays ?? 0) * DAY;
  const id = await server.ctx.tokens.insertToken({
    tokenHash: hashSecret(token),
    kind: t.kind,
    prefix: displayPrefix(token),
    name: t.name ?? null,
    clientId: t.clientId,
    userId: t.userId,
    scopes: ['api'],
    origin: t.kind === 'personal_access_token' ? 'personal_access' : 'password',
    createdAt,
    expiresAt: t.expiresAt === undefined ? null : t.expiresAt,
  });
  if (t.lastUsedDaysAgo !== undefined) await server.ctx.tokens.recordLastUsed([[id, Date.now() - t.lastUsedDaysAgo * DAY]]);
  return { id, token };
}

for (const kind of storeKinds()) {
  describe(`token hygiene API [${kind}]`, () => {
    let server: TestServer;
    let adminToken: string;
    let web: WebClient;
    let appClient: string;
    let patClient: string;
    let hana: { id: string; password: string };
    const ids: Record<string, string> = {};
    const raw: Record<string, string> = {};
    const call = (method: string, path: string, body?: unknown, token = adminToken) => web.json(method, `/api/1.0${path}`, body, { authorization: `Bearer ${token}` });

    before(async () => {
      server = await startServer(kind);
      web = new WebClient(server.baseUrl);
      patClient = (await server.ctx.services.pats.patClients())[0]!.id;
      const issued = await issuePat(server.ctx, server.admin.id, { name: 'admin key' });
      adminToken = issued.token;
      ids.admin = issued.id;
      appClient = (await createClient(server.ctx, { name: 'Desktop app', types: ['password_client'] })).client.id;
      hana = await createUser(server.ctx, { username: 'hana' });
      const seeds = {
        oldPat: { kind: 'personal_access_token', clientId: patClient, userId: hana.id, name: 'old laptop', ageDays: 120, lastUsedDaysAgo: 100 },
        newPat: { kind: 'personal_access_token', clientId: patClient, userId: hana.id, name: 'ci', ageDays: 2, lastUsedDaysAgo: 0 },
        appAccess: { kind: 'access_token', clientId: appClient, userId: hana.id, ageDays: 0, expiresAt: Date.now() + 3600_000 },
        appRefresh: { kind: 'refresh_token', clientId: appClient, userId: hana.id, ageDays: 40 },
        expired: { kind: 'access_token', clientId: appClient, userId: hana.id, ageDays: 3, expiresAt: Date.now() - DAY },
      } as const;
      for (const [key, seed] of Object.entries(seeds)) {
        const s = await seedToken(server, seed);
        ids[key] = s.id;
        raw[key] = s.token;
      }
    });
    after(() => server.close());

    const listIds = async (query: string) => {
      const res = await call('GET', `/tokens${query}`);
      assert.equal(res.status, 200, res.text);
      return (res.json().data as Array<{ id: string }>).map((t) => t.id).sort();
    };

    it('lists every active token with client, user, prefix, last use and the rotation flag, never the token', async () => {
      const res = await call('GET', '/tokens');
      const body = res.json();
      assert.equal(body.meta.total, 5, 'the expired token is not listed');
      const old = body.data.find((t: { id: string }) => t.id === ids.oldPat);
      assert.equal(old.client_name, 'Personal Access Client');
      assert.equal(old.username, 'hana');
      assert.equal(old.name, 'old laptop');
      assert.equal(old.needs_rotation, true);
      assert.ok(old.last_used_at);
      assert.equal(body.data.find((t: { id: string }) => t.id === ids.newPat).needs_rotation, false);
      for (const token of Object.values(raw)) assert.ok(!res.text.includes(token.slice(10)));
    });

    it('filters by client, user, kind, age and disuse', async () => {
      assert.deepEqual(await listIds(`?client=${appClient}`), [ids.appAccess!, ids.appRefresh!].sort());
      assert.deepEqual(await listIds('?client=Desktop%20app&kind=refresh_token'), [ids.appRefresh!]);
      assert.deepEqual(await listIds('?user=hana&kind=personal_access_token'), [ids.newPat!, ids.oldPat!].sort());
      assert.deepEqual(await listIds(`?user=${hana.id}&older_than_days=30`), [ids.appRefresh!, ids.oldPat!].sort());
      assert.deepEqual(await listIds('?user=hana&unused_days=30'), [ids.appRefresh!, ids.oldPat!].sort());
      assert.equal((await call('GET', '/tokens?client=nope')).status, 422);
      assert.equal((await call('GET', '/tokens?kind=cookie')).status, 422);
      assert.equal((await call('GET', '/tokens?older_than_days=-1')).status, 422);
    });

    it('bulk revocation needs a condition, counts on a dry run, then revokes and is refused at once', async () => {
      const none = await call('POST', '/tokens/revoke', {});
      assert.equal(none.status, 422);
      assert.equal((await call('POST', '/tokens/revoke', { before: 'last week' })).status, 422);
      assert.equal((await call('POST', '/tokens/revoke', { user: 'ghost' })).status, 422);

      const dry = await call('POST', '/tokens/revoke', { user: 'hana', before: new Date(Date.now() - 30 * DAY).toISOString().slice(0, 10), dry_run: true });
      assert.deepEqual(dry.json(), { count: 2, dry_run: true });
      assert.equal((await web.get('/api/1.0/users/me', { authorization: `Bearer ${raw.oldPat}` })).status, 200);

      const done = await call('POST', '/tokens/revoke', { name: 'old laptop' });
      assert.deepEqual(done.json(), { count: 1, dry_run: false });
      const refused = await web.get('/api/1.0/users/me', { authorization: `Bearer ${raw.oldPat}` });
      assert.equal(refused.status, 401);
      assert.equal((await web.get('/api/1.0/users/me', { authorization: `Bearer ${raw.newPat}` })).status, 200);

      const byClient = await call('POST', '/tokens/revoke', { client: 'Desktop app' });
      assert.deepEqual(byClient.json(), { count: 2, dry_run: false });
      assert.equal((await web.get('/api/1.0/users/me', { authorization: `Bearer ${raw.appAccess}` })).status, 401);
      assert.deepEqual(await listIds('?user=hana'), [ids.newPat!]);

      const audit = await server.ctx.audit.list({ page: 1, perPage: 10, type: 'token.bulk_revoked' });
      assert.equal(audit.data.length, 2);
      assert.equal(audit.data[0]!.actor.name, 'admin');
      assert.equal(audit.data[0]!.details.count, 2);
      for (const token of Object.values(raw)) assert.ok(!JSON.stringify(audit.data).includes(token.slice(10)));
    });

    it('is for administrators only', async () => {
      const issued = await issuePat(server.ctx, hana.id, { name: 'hana key' });
      assert.equal((await call('GET', '/tokens', undefined, issued.token)).status, 403);
      assert.equal((await call('POST', '/tokens/revoke', { user: 'admin' }, issued.token)).status, 403);
      assert.equal((await web.get('/api/1.0/users/me', { authorization: `Bearer ${adminToken}` })).status, 200);
    });
  });
}
