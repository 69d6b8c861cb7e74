/**
 * Concurrency (issue 7, part 2) on SQLite and PostgreSQL: 50 parallel redemptions of one code give
 * one success; 50 parallel refreshes give one success and no forked family (grace 0), or at most
 * MAX_SUCCESSORS valid branches and no revocation (inside a grace window); deleting a client
 * while tokens are issued to it leaves no surviving token; two same-name creates leave one client.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CLI_ACTOR } from '../src/services/actor.js';
import { createClient as createServiceClient, startServer, type TestServer } from '../test/helpers/app.js';
import { WebClient } from '../test/helpers/http.js';
import { storeKinds } from '../test/helpers/stores.js';
import type { Context } from '../src/context.js';
import { hashSecret } from '../src/domain/secret.js';
import { MAX_SUCCESSORS } from '../src/oauth/grants/refresh-token.js';
import { figure, listRoutes, rawRequest } from './helpers/index.js';
import { createClient, insertPat, operatorContext, startNode, type Node } from './helpers/nodes.js';
import { authorizationCode, pkcePair, tokenRequest } from './helpers/oauth.js';

const PARALLEL = 50;

for (const kind of storeKinds()) {
  describe(`concurrency [${kind}]`, () => {
    let server: TestServer;
    let other: Context;
    let routes: Set<string>;
    let adminToken: string;
    before(async () => {
      server = await startServer(kind);
      other = await operatorContext(server.db);
      routes = new Set(listRoutes(server.app.printRoutes({ commonPrefix: false })).flatMap((r) => r.methods.map((m) => `${m} ${r.path}`)));
      const pats = await createClient(server.ctx, 'Concurrency PATs', ['personal_access_client']);
      adminToken = await insertPat(server.ctx, pats.id, server.admin.id);
    });
    after(async () => {
      await other.close();
      await server.close();
    });

    const api = (method: string, path: string, body?: unknown) =>
      rawRequest(server.baseUrl, {
        method,
        path: `/api/1.0${path}`,
        headers: [['authorization', `Bearer ${adminToken}`], ...(body === undefined ? [] : [['content-type', 'application/json'] as [string, string]])],
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });

    it('keeps one client when two with the same name are created at once (two processes\' contexts, and the API)', async () => {
      for (let round = 0; round < 10; round++) {
        const name = `Same name ${round}`;
        const results = await Promise.allSettled([
          createServiceClient(server.ctx, { name, types: ['client_credentials_grant'] }),
          createServiceClient(other, { name: name.toUpperCase(), types: ['client_credentials_grant'] }),
        ]);
        assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1, `round ${round}`);
        const rows = await server.ctx.store.db.selectFrom('clients').select('id').where('name_key', '=', name.toLowerCase()).execute();
        assert.equal(rows.length, 1);
      }
      if (routes.has('POST /api/1.0/oauth/clients')) {
        for (let round = 0; round < 5; round++) {
          const body = { name: `API same name ${round}`, types: ['client_credentials_grant'] };
          const answers = await Promise.all(Array.from({ length: 5 }, () => api('POST', '/oauth/clients', body)));
          const statuses = answers.map((a) => a.status).sort();
          assert.deepEqual(statuses, [201, 422, 422, 422, 422], answers.map((a) => a.text()).join('\n'));
          const refused = JSON.parse(answers.find((a) => a.status === 422)!.text());
          assert.ok(refused.errors.name, 'the refusal names the field');
        }
      }
    });

    it('leaves no surviving token when a client is deleted while tokens are being issued to it', async () => {
      const viaHttp = routes.has('POST /oauth/token');
      const serverErrors: string[] = [];
      for (let round = 0; round < 3; round++) {
        const client = await createClient(server.ctx, `Doomed ${round}`, ['client_credentials_grant', 'personal_access_client'], { permissions: ['view-auth_clients'] });
        const issued: string[] = [];
        const issue = async (): Promise<void> => {
          if (viaHttp) {
            const res = await tokenRequest(server.baseUrl, client.id, client.secret, { grant_type: 'client_credentials', scope: 'api' });
            if (res.status === 200) issued.push(res.body.access_token as string);
            else if (res.status >= 500) serverErrors.push(`${res.status} ${JSON.stringify(res.body)}`);
            else assert.ok([400, 401].includes(res.status), `issuing during deletion: ${res.status} ${JSON.stringify(res.body)}`);
          } else {
            try {
              issued.push(await insertPat(other, client.id, server.admin.id));
            } catch {
              // the client is gone: the insert is refused by the foreign key
            }
          }
        };
        const deleteClient = async () => {
          await new Promise((r) => setTimeout(r, 5 + round * 5));
          if (routes.has('DELETE /api/1.0/oauth/clients/:id')) assert.equal((await api('DELETE', `/oauth/clients/${client.id}`)).status, 204);
          else await server.ctx.services.clients.delete(CLI_ACTOR, client.id);
        };
        await Promise.all([...Array.from({ length: PARALLEL }, () => issue()), deleteClient()]);
        for (const token of issued) {
          const res = await rawRequest(server.baseUrl, { path: '/api/1.0/users/me', headers: [['authorization', `Bearer ${token}`]] });
          assert.equal(res.status, 401, 'a token of the deleted client is refused');
        }
        const left = await server.ctx.store.db.selectFrom('tokens').select('id').where('client_id', '=', client.id).execute();
        assert.equal(left.length, 0, 'no token row survives its client');
        if (round === 0) figure(`tokens issued while the client was being deleted [${kind}]`, `${issued.length} of ${PARALLEL} (${viaHttp ? 'HTTP' : 'store'}), 0 survive`);
      }
      assert.deepEqual(serverErrors, [], 'a client deleted mid-request gives invalid_client, never a 5xx');
    });

    it('gives exactly one success for 50 parallel redemptions of one authorization code', async (t) => {
      if (!routes.has('GET /oauth/authorize') || !routes.has('POST /oauth/token')) return t.skip('the OAuth endpoints are not in this build yet');
      const client = await createClient(server.ctx, 'Code race', ['authorization_code_grant'], { redirect: ['http://127.0.0.1/cb'] });
      const web = new WebClient(server.baseUrl);
      await web.login('admin', server.admin.password);
      for (let round = 0; round < 3; round++) {
        const { verifier, challenge } = pkcePair();
        const code = await authorizationCode(web, client.id, 'http://127.0.0.1/cb', challenge);
        const answers = await Promise.all(
          Array.from({ length: PARALLEL }, () =>
            tokenRequest(server.baseUrl, client.id, client.secret, { grant_type: 'authorization_code', code, redirect_uri: 'http://127.0.0.1/cb', code_verifier: verifier }),
          ),
        );
        const ok = answers.filter((a) => a.status === 200);
        assert.equal(ok.length, 1, answers.map((a) => `${a.status} ${JSON.stringify(a.body)}`).slice(0, 5).join('\n'));
        for (const a of answers) if (a.status !== 200) assert.equal(a.body.error, 'invalid_grant');
        // RFC 6749 §4.1.2: a replayed code should revoke what it issued.
        const winner = ok[0]!.body.access_token as string;
        const res = await rawRequest(server.baseUrl, { path: '/api/1.0/users/me', headers: [['authorization', `Bearer ${winner}`]] });
        assert.ok([200, 401].includes(res.status));
      }
    });

    it('gives exactly one success for 50 parallel refreshes of one refresh token, with no forked family', async (t) => {
      if (!routes.has('POST /oauth/token')) return t.skip('the token endpoint is not in this build yet');
      const client = await createClient(server.ctx, 'Refresh race', ['password_client']);
      for (let round = 0; round < 3; round++) {
        const first = await tokenRequest(server.baseUrl, client.id, client.secret, { grant_type: 'password', username: 'admin', password: server.admin.password, scope: 'api' });
        assert.equal(first.status, 200, JSON.stringify(first.body));
        const refreshToken = first.body.refresh_token as string;
        const answers = await Promise.all(
          Array.from({ length: PARALLEL }, () => tokenRequest(server.baseUrl, client.id, client.secret, { grant_type: 'refresh_token', refresh_token: refreshToken })),
        );
        const ok = answers.filter((a) => a.status === 200);
        assert.equal(ok.length, 1, answers.map((a) => `${a.status} ${JSON.stringify(a.body)}`).slice(0, 5).join('\n'));
        for (const a of answers) if (a.status !== 200) assert.equal(a.body.error, 'invalid_grant');
        const { grant_id: grantId } = await server.ctx.store.db.selectFrom('tokens').select('grant_id').where('token_hash', '=', hashSecret(refreshToken)).executeTakeFirstOrThrow();
        const family = await server.ctx.store.db
          .selectFrom('tokens')
          .select(['id'])
          .where('kind', '=', 'refresh_token')
          .where('revoked_at', 'is', null)
          .where('rotated_at', 'is', null)
          .where('grant_id', '=', grantId!)
          .execute();
        assert.ok(family.length <= 1, `at most one live refresh token in the family, found ${family.length}`);
      }
    });
  });

  describe(`family revocation seen by another server process [${kind}]`, () => {
    let server: TestServer;
    let node: Node;
    before(async () => {
      server = await startServer(kind);
      node = await startNode(server.db, server.admin.password);
    });
    after(async () => {
      await node?.kill('SIGKILL');
      await server?.close();
    });

    it('refuses every token of a family on the other process once a refresh reuse revoked it here', async () => {
      const client = await createClient(server.ctx, 'Family across processes', ['password_client']);
      const me = async (baseUrl: string, token: string) =>
        (await rawRequest(baseUrl, { path: '/api/1.0/users/me', headers: [['authorization', `Bearer ${token}`]] })).status;
      const delays: number[] = [];
      for (let round = 0; round < 5; round++) {
        const first = await tokenRequest(server.baseUrl, client.id, client.secret, { grant_type: 'password', username: 'admin', password: server.admin.password, scope: 'api' });
        const second = await tokenRequest(server.baseUrl, client.id, client.secret, { grant_type: 'refresh_token', refresh_token: first.body.refresh_token as string });
        const family = [first.body.access_token as string, second.body.access_token as string];
        for (const token of family) assert.equal(await me(node.baseUrl, token), 200, 'cached on the other process');
        const reuse = await tokenRequest(server.baseUrl, client.id, client.secret, { grant_type: 'refresh_token', refresh_token: first.body.refresh_token as string });
        assert.equal(reuse.body.error, 'invalid_grant');
        const started = performance.now();
        for (const token of family) {
          if (kind === 'sqlite') assert.equal(await me(node.baseUrl, token), 401, 'SQLite: refused on the very next request');
          else while ((await me(node.baseUrl, token)) !== 401) assert.ok(performance.now() - started < 1000, 'refused within 1 s');
        }
        delays.push(performance.now() - started);
      }
      figure(
        `family revoked by refresh reuse, refused by another server process [${kind}]`,
        kind === 'sqlite' ? `on the very next request, ${delays.length} rounds of two tokens` : `max ${Math.max(...delays).toFixed(1)} ms until both tokens were refused, over ${delays.length} rounds`,
      );
    });
  });

  describe(`concurrency inside a refresh grace window [${kind}]`, () => {
    let server: TestServer;
    before(async () => {
      server = await startServer(kind, { env: { KEYGATE_REFRESH_GRACE: '10' } });
    });
    after(async () => server?.close());

    it(`gives at most ${MAX_SUCCESSORS} successes for 50 parallel refreshes of one token, each valid, and revokes nothing`, async () => {
      const client = await createClient(server.ctx, 'Refresh race with grace', ['password_client']);
      for (let round = 0; round < 3; round++) {
        const first = await tokenRequest(server.baseUrl, client.id, client.secret, { grant_type: 'password', username: 'admin', password: server.admin.password, scope: 'api' });
        const answers = await Promise.all(
          Array.from({ length: PARALLEL }, () =>
            tokenRequest(server.baseUrl, client.id, client.secret, { grant_type: 'refresh_token', refresh_token: first.body.refresh_token as string }),
          ),
        );
        const ok = answers.filter((a) => a.status === 200);
        assert.equal(ok.length, MAX_SUCCESSORS, answers.map((a) => `${a.status} ${JSON.stringify(a.body)}`).slice(0, 5).join('\n'));
        for (const a of answers) if (a.status !== 200) assert.equal(a.body.error, 'invalid_grant');
        // Nothing was revoked: every answer works, and each branch refreshes once more.
        for (const a of ok) {
          const res = await rawRequest(server.baseUrl, { path: '/api/1.0/users/me', headers: [['authorization', `Bearer ${a.body.access_token as string}`]] });
          assert.equal(res.status, 200);
        }
        const next = await Promise.all(ok.map((a) => tokenRequest(server.baseUrl, client.id, client.secret, { grant_type: 'refresh_token', refresh_token: a.body.refresh_token as string })));
        assert.deepEqual(next.map((a) => a.status), Array(MAX_SUCCESSORS).fill(200));
        const { grant_id: grantId } = await server.ctx.store.db.selectFrom('tokens').select('grant_id').where('token_hash', '=', hashSecret(first.body.refresh_token as string)).executeTakeFirstOrThrow();
        const revoked = await server.ctx.store.db.selectFrom('tokens').select('id').where('grant_id', '=', grantId!).where('revoked_at', 'is not', null).execute();
        assert.equal(revoked.length, 0);
        if (round === 0) figure(`parallel refreshes of one token inside a 10 s grace window [${kind}]`, `${ok.length} of ${PARALLEL} succeed (cap ${MAX_SUCCESSORS}), 0 revoked`);
      }
    });
  });
}
