/**
 * Secrets at rest (issue 7, part 5): after a full scenario over real HTTP, the SQLite file with its
 * WAL, and a pg_dump of the PostgreSQL database, hold none of the plaintext passwords, client
 * secrets, tokens, codes or session ids the scenario saw.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { createUser, startServer, type TestServer } from '../test/helpers/app.js';
import { WebClient } from '../test/helpers/http.js';
import { storeKinds } from '../test/helpers/stores.js';
import { figure, listRoutes, rawRequest } from './helpers/index.js';
import { createClient, insertPat } from './helpers/nodes.js';
import { authorizationCode, pkcePair, revoke, tokenRequest } from './helpers/oauth.js';

for (const kind of storeKinds()) {
  describe(`secrets at rest [${kind}]`, () => {
    let server: TestServer;
    before(async () => {
      server = await startServer(kind);
    });
    after(() => server.close());

    it('stores no plaintext password, client secret, token, code or session id', async () => {
      const seen = new Set<string>([server.admin.password]);
      const routes = new Set(listRoutes(server.app.printRoutes({ commonPrefix: false })).flatMap((r) => r.methods.map((m) => `${m} ${r.path}`)));
      const web = new WebClient(server.baseUrl);
      assert.equal((await web.login('admin', server.admin.password)).status, 303);
      seen.add(web.cookie('kg_session')!);
      const csrf = WebClient.csrfFrom((await web.get('/no/such/page')).text);

      // A user created through the API when it is there (else the store), who then logs in.
      const userPassword = `Pw-${Date.now()}-correct-horse`;
      seen.add(userPassword);
      if (routes.has('POST /api/1.0/users')) {
        const res = await web.json('POST', '/api/1.0/users', { username: 'carol', password: userPassword, permissions: ['view-auth_clients'] }, { 'x-csrf-token': csrf });
        assert.equal(res.status, 201, res.text);
      } else {
        await createUser(server.ctx, { username: 'carol', password: userPassword });
      }
      const carol = new WebClient(server.baseUrl);
      assert.equal((await carol.login('carol', userPassword)).status, 303);
      const carolSession = carol.cookie('kg_session')!;
      seen.add(carolSession);

      // Clients and their secrets: through the API when it is there, plus a regenerated secret.
      let app: { id: string; secret: string | null };
      if (routes.has('POST /api/1.0/oauth/clients')) {
        const res = await web.json('POST', '/api/1.0/oauth/clients', { name: 'Secret scan app', types: ['authorization_code_grant', 'password_client', 'client_credentials_grant'], redirect: 'http://127.0.0.1/cb' }, { 'x-csrf-token': csrf });
        assert.equal(res.status, 201, res.text);
        app = { id: res.json().id, secret: res.json().secret };
        const again = await web.json('POST', `/api/1.0/oauth/clients/${app.id}/secret`, undefined, { 'x-csrf-token': csrf });
        if (again.status === 200 || again.status === 201) {
          seen.add(app.secret!);
          app = { id: app.id, secret: again.json().secret };
        }
      } else {
        app = await createClient(server.ctx, 'Secret scan app', ['authorization_code_grant', 'password_client', 'client_credentials_grant'], { redirect: ['http://127.0.0.1/cb'] });
      }
      seen.add(app.secret!);

      // Personal access tokens: through the API when it is there.
      if (routes.has('POST /api/1.0/users/:id/tokens')) {
        const res = await web.json('POST', `/api/1.0/users/${server.admin.id}/tokens`, { name: 'scan' }, { 'x-csrf-token': csrf });
        assert.equal(res.status, 201, res.text);
        seen.add(res.json().access_token);
      } else {
        const pats = await createClient(server.ctx, 'Scan PATs', ['personal_access_client']);
        seen.add(pats.secret!);
        seen.add(await insertPat(server.ctx, pats.id, server.admin.id));
      }

      // Every grant, a refresh, a revocation and introspection.
      if (routes.has('POST /oauth/token')) {
        const password = await tokenRequest(server.baseUrl, app.id, app.secret, { grant_type: 'password', username: 'carol', password: userPassword, scope: 'api' });
        assert.equal(password.status, 200, JSON.stringify(password.body));
        const cc = await tokenRequest(server.baseUrl, app.id, app.secret, { grant_type: 'client_credentials' });
        assert.equal(cc.status, 200, JSON.stringify(cc.body));
        const refreshed = await tokenRequest(server.baseUrl, app.id, app.secret, { grant_type: 'refresh_token', refresh_token: password.body.refresh_token as string });
        assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
        for (const a of [password, cc, refreshed]) for (const k of ['access_token', 'refresh_token']) if (typeof a.body[k] === 'string') seen.add(a.body[k] as string);
        assert.equal(await revoke(server.baseUrl, app.id, app.secret!, refreshed.body.access_token as string), 200);
        if (routes.has('GET /oauth/authorize')) {
          const { verifier, challenge } = pkcePair();
          const code = await authorizationCode(web, app.id, 'http://127.0.0.1/cb', challenge);
          seen.add(code);
          seen.add(verifier);
          const res = await tokenRequest(server.baseUrl, app.id, app.secret, { grant_type: 'authorization_code', code, redirect_uri: 'http://127.0.0.1/cb', code_verifier: verifier });
          assert.equal(res.status, 200, JSON.stringify(res.body));
          seen.add(res.body.access_token as string);
          seen.add(res.body.refresh_token as string);
        }
        // Use the tokens, so last-use is written too.
        await rawRequest(server.baseUrl, { path: '/api/1.0/users/me', headers: [['authorization', `Bearer ${password.body.access_token}`]] });
      }

      // The keys that sign cookies and CSRF tokens are not in the store either (docs/security.md T26),
      // unless PostgreSQL still keeps them there for want of KEYGATE_SECRET_KEY.
      const keys = server.ctx.webKeys;
      if (keys.source !== 'stored') for (const key of [keys.cookieSecret, keys.csrfHmacKey, keys.resultKey.toString('base64url')]) seen.add(key);

      let haystack: Buffer;
      if (kind === 'sqlite') {
        const parts = ['', '-wal', '-shm', '-journal'].map((s) => server.db.path! + s).filter((p) => existsSync(p));
        haystack = Buffer.concat(parts.map((p) => readFileSync(p)));
        figure(`bytes scanned in the SQLite file + WAL [${kind}]`, haystack.length);
      } else {
        haystack = execFileSync('/usr/bin/pg_dump', ['--no-owner', '--data-only', server.db.url], { maxBuffer: 256 * 1024 * 1024 });
        figure(`bytes scanned in pg_dump [${kind}]`, haystack.length);
      }
      const found = [...seen].filter((secret) => secret && haystack.includes(Buffer.from(secret)));
      assert.deepEqual(found.map((s) => s.slice(0, 10) + '…'), [], 'plaintext secrets in the store');
      // The scan sees the rows: the stored digest of the session is there.
      assert.ok(haystack.includes(Buffer.from(server.ctx.sessions.digest(carolSession))), 'the session digest is in the scanned bytes');
      figure(`plaintext secrets looked for [${kind}]`, `${seen.size}, found 0`);
    });
  });
}
