/**
 * Removing a grant type from a client revokes, for good, the tokens issued through it, in the same
 * transaction as the change (INTERFACE.md, "Rules that hold on every surface"): they are refused
 * at once, no longer listed as active, and adding the type back revives nothing — through the API
 * and the console, on SQLite and PostgreSQL. Migration 004 revokes the tokens older stores still
 * hold hidden that way.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Migrator, type Kysely } from 'kysely';
import { loadConfig } from '../../src/config.js';
import { displayPrefix, hashSecret, issueSecret } from '../../src/domain/secret.js';
import { openStore } from '../../src/store/db.js';
import { migrateToLatest, migrationProvider } from '../../src/store/migrate.js';
import { createUser, startServer, type TestServer } from '../helpers/app.js';
import { WebClient } from '../helpers/http.js';
import { mintToken } from '../helpers/mint-token.js';
import { createTestDatabase, storeKinds } from '../helpers/stores.js';
import { makeClient, me, oauthPost, type TestClient } from '../http/oauth-helpers.js';

for (const kind of storeKinds()) {
  describe(`removing a grant type ends its tokens for good [${kind}]`, () => {
    let server: TestServer;
    let admin: string;
    let dana: { id: string; username: string; password: string };

    const api = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${server.baseUrl}/api/1.0${path}`, {
        method,
        headers: { authorization: `Bearer ${admin}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      return { status: res.status, body: (text ? JSON.parse(text) : null) as any };
    };
    const passwordToken = async (client: TestClient) =>
      (await oauthPost(server.baseUrl, '/oauth/token', { grant_type: 'password', username: dana.username, password: dana.password }, { basic: client })).body as {
        access_token: string;
        refresh_token: string;
      };
    const listedActive = async (clientId: string) => (await api('GET', `/tokens?client=${clientId}`)).body.meta.total as number;

    before(async () => {
      server = await startServer(kind);
      admin = await mintToken(server.ctx, { userId: server.admin.id });
      dana = await createUser(server.ctx, { username: 'dana' });
    });
    after(() => server?.close());

    it('through the API: refused at once, not listed, and not revived when the type comes back', async () => {
      const client = await makeClient(server.ctx, { name: 'Desktop + service', types: ['password_client', 'client_credentials_grant'] });
      const tokens = await passwordToken(client);
      const service = (await oauthPost(server.baseUrl, '/oauth/token', { grant_type: 'client_credentials' }, { basic: client })).body as { access_token: string };
      assert.equal(await me(server.baseUrl, tokens.access_token), 200);
      assert.equal(await listedActive(client.id), 3);

      const removed = await api('PUT', `/oauth/clients/${client.id}`, { name: 'Desktop + service', types: ['client_credentials_grant'] });
      assert.equal(removed.status, 200);
      assert.equal(await me(server.baseUrl, tokens.access_token), 401);
      assert.equal(await listedActive(client.id), 1, 'only the client-credentials token is still active');
      const audit = await api('GET', '/audit?type=token.bulk_revoked');
      assert.ok(audit.body.data.some((e: { details: { filter: { client_id: string }; count: number } }) => e.details.filter.client_id === client.id && e.details.count === 2));

      const restored = await api('PUT', `/oauth/clients/${client.id}`, { name: 'Desktop + service', types: ['password_client', 'client_credentials_grant'] });
      assert.equal(restored.status, 200);
      assert.equal(await me(server.baseUrl, tokens.access_token), 401, 'adding the type back revives nothing');
      const refresh = await oauthPost(server.baseUrl, '/oauth/token', { grant_type: 'refresh_token', refresh_token: tokens.refresh_token }, { basic: client });
      assert.equal(refresh.body.error, 'invalid_grant');
      const introspected = await oauthPost(server.baseUrl, '/oauth/introspect', { token: service.access_token }, { basic: client });
      assert.equal(introspected.body.active, true, 'the grant that stayed keeps its tokens');
    });

    it('through the console: the same, saved from the edit form', async () => {
      const client = await makeClient(server.ctx, { name: 'Console desktop', types: ['password_client', 'client_credentials_grant'] });
      const tokens = await passwordToken(client);
      const web = new WebClient(server.baseUrl);
      await web.login('admin', server.admin.password);
      const form = await web.get(`/admin/auth-clients/${client.id}/edit`);
      const fields = { _csrf: WebClient.csrfFrom(form.text), name: 'Console desktop', types: 'client_credentials_grant', redirect: '' };
      // The console shows how many tokens the removal ends and saves on Confirm.
      const asked = await web.postForm(`/admin/auth-clients/${client.id}`, fields);
      assert.equal(asked.status, 200);
      assert.match(asked.text, /<strong id="tokens-ended">2<\/strong> active tokens/);
      assert.equal(await me(server.baseUrl, tokens.access_token), 200, 'nothing ends before Confirm');
      const saved = await web.postForm(`/admin/auth-clients/${client.id}`, { ...fields, _csrf: WebClient.csrfFrom(asked.text), confirmed: '1' });
      assert.equal(saved.status, 303);
      assert.equal(await me(server.baseUrl, tokens.access_token), 401);
      const again = await web.get(`/admin/auth-clients/${client.id}/edit`);
      await web.postForm(`/admin/auth-clients/${client.id}`, { _csrf: WebClient.csrfFrom(again.text), name: 'Console desktop', types: ['password_client', 'client_credentials_grant'], redirect: '' });
      assert.equal(await me(server.baseUrl, tokens.access_token), 401);
    });
  });

  describe(`migration 004 revokes tokens hidden by an earlier grant removal [${kind}]`, () => {
    it('revokes live tokens whose client lacks the type of their origin, and nothing else', async () => {
      const db = await createTestDatabase(kind);
      const store = openStore(loadConfig({ DATABASE_URL: db.url }).database);
      try {
        // The store as the previous release left it: migrations up to 003.
        const migrator = new Migrator({ db: store.db as Kysely<unknown>, provider: migrationProvider() });
        const upTo = await migrator.migrateTo('003_partial_token_indexes');
        assert.equal(upTo.error, undefined);
        const now = Date.now();
        const clientId = 'c-legacy';
        await store.db
          .insertInto('clients')
          .values({
            id: clientId, name: 'Legacy', name_key: 'legacy', types: JSON.stringify(['client_credentials_grant']), redirect: '[]', search_text: 'legacy',
            confidential: 1, trusted: 0, introspect_all: 0, permissions: '[]', secret_hash: null, previous_secret_hash: null,
            previous_secret_expires_at: null, created_by: null, created_at: now, updated_at: now,
          })
          .execute();
        const token = (origin: string, id: string) => {
          const raw = issueSecret('accessToken');
          return {
            id, token_hash: hashSecret(raw), kind: 'access_token', prefix: displayPrefix(raw), name: null, client_id: clientId, user_id: null, scopes: 'api',
            origin, grant_id: null, parent_id: null, created_at: now, expires_at: now + 3600e3, revoked_at: null, rotated_at: null, last_used_at: null,
          };
        };
        await store.db.insertInto('tokens').values([token('password', 't-hidden'), token('client_credentials', 't-live')]).execute();
        await migrateToLatest(store);
        const rows = await store.db.selectFrom('tokens').select(['id', 'revoked_at']).orderBy('id').execute();
        assert.deepEqual(
          rows.map((r) => [r.id, r.revoked_at !== null]),
          [['t-hidden', true], ['t-live', false]],
        );
      } finally {
        await store.close();
        await db.drop();
      }
    });
  });
}
