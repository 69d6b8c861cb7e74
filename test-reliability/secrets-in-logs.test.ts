/**
 * Secrets never reach the logs (docs/security.md T16): the built server runs at LOG_LEVEL=trace
 * through logins, client creation, every grant, API calls, introspection and revocation; then its
 * whole output (the JSON log on stdout and stderr) is searched for every secret the scenario saw.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WebClient } from '../test/helpers/http.js';
import { startProcess } from '../test/helpers/spawn.js';
import { freePort } from '../test/helpers/app.js';
import { createTestDatabase, storeKinds, type TestDatabase } from '../test/helpers/stores.js';
import { generatePassword } from './helpers/nodes.js';
import { tokenRequest } from './helpers/oauth.js';
import { figure } from './helpers/index.js';

for (const kind of storeKinds()) {
  describe(`secrets in logs [${kind}]`, () => {
    let db: TestDatabase;
    before(async () => {
      db = await createTestDatabase(kind);
    });
    after(() => db.drop());

    it('writes no password, client secret, token, code or session id to the log', async () => {
      const port = await freePort();
      const baseUrl = `http://127.0.0.1:${port}`;
      const password = generatePassword();
      const proc = await startProcess({ DATABASE_URL: db.url, PORT: String(port), KEYGATE_ADMIN_PASSWORD: password, LOG_LEVEL: 'trace' }, baseUrl);
      const secrets = new Set<string>([password]);
      try {
        const web = new WebClient(baseUrl);
        await web.login('nobody', 'a-wrong-password-123');
        secrets.add('a-wrong-password-123');
        assert.equal((await web.login('admin', password)).status, 303);
        secrets.add(web.cookie('kg_session')!);
        const csrf = await web.csrfToken('/admin/auth-clients');
        const created = await web.json('POST', '/api/1.0/oauth/clients', { name: 'Log probe', types: ['password_client', 'client_credentials_grant'] }, { 'x-csrf-token': csrf });
        assert.equal(created.status, 201, created.text);
        const client = created.json<{ id: string; secret: string }>();
        secrets.add(client.secret);

        const grant = await tokenRequest(baseUrl, client.id, client.secret, { grant_type: 'password', username: 'admin', password, scope: 'api' });
        assert.equal(grant.status, 200);
        const access = grant.body.access_token as string;
        const refresh = grant.body.refresh_token as string;
        secrets.add(access).add(refresh);
        const rotated = await tokenRequest(baseUrl, client.id, client.secret, { grant_type: 'refresh_token', refresh_token: refresh });
        secrets.add(rotated.body.refresh_token as string).add(rotated.body.access_token as string);
        const credentials = await tokenRequest(baseUrl, client.id, client.secret, { grant_type: 'client_credentials' });
        secrets.add(credentials.body.access_token as string);
        // The secret in the body instead of Basic, and a wrong one.
        await fetch(`${baseUrl}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'client_credentials', client_id: client.id, client_secret: client.secret }) });
        await fetch(`${baseUrl}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ grant_type: 'password', client_id: client.id, client_secret: client.secret, username: 'admin', password: 'json-body-wrong-pw-1' }) });
        secrets.add('json-body-wrong-pw-1');

        assert.equal((await fetch(`${baseUrl}/api/1.0/users/me`, { headers: { authorization: `Bearer ${access}` } })).status, 200);
        const pat = await web.json('POST', `/api/1.0/users/${(await web.get('/api/1.0/users/me')).json().id}/tokens`, { name: 'log probe' }, { 'x-csrf-token': csrf });
        assert.equal(pat.status, 201, pat.text);
        secrets.add(pat.json().access_token);
        const basic = `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}`;
        for (const path of ['/oauth/introspect', '/oauth/revoke']) {
          await fetch(`${baseUrl}${path}`, { method: 'POST', headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${access}` });
        }
        await fetch(`${baseUrl}/api/1.0/users/me`, { headers: { authorization: `Bearer ${access}` } });
      } finally {
        proc.child.kill('SIGTERM');
        await proc.exited;
      }
      const output = proc.stdout() + proc.stderr();
      const lines = output.split('\n').filter((l) => l.startsWith('{')).length;
      assert.ok(lines > 20, `the server logged (${lines} JSON lines)`);
      const leaked = [...secrets].filter((secret) => output.includes(secret));
      assert.deepEqual(leaked.map((s) => `${s.slice(0, 8)}…`), [], 'secrets found in the log');
      figure(`log lines searched for ${secrets.size} secrets [${kind}]`, `${lines}, none found`);
    });
  });
}
