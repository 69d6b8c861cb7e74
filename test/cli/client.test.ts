/** client:create, client:list and client:delete through the built CLI, against a running server's store. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hashSecret } from '../../src/domain/secret.js';
import { startServer, type TestServer } from '../helpers/app.js';
import { CLI, run } from '../helpers/spawn.js';
import { storeKinds } from '../helpers/stores.js';
import { mintToken } from '../helpers/mint-token.js';

describe('keygate client commands: help', () => {
  it('each client command has --help and is listed', async () => {
    const list = await run(CLI, ['--help']);
    for (const name of ['client:create', 'client:list', 'client:delete']) {
      assert.match(list.stdout, new RegExp(`\\b${name}\\b`));
      const res = await run(CLI, [name, '--help']);
      assert.equal(res.code, 0, `${name}: ${res.stderr}`);
      assert.match(res.stdout, new RegExp(`Usage: keygate ${name}`));
    }
  });
});

for (const kind of storeKinds()) {
  describe(`keygate client commands [${kind}]`, () => {
    let server: TestServer;
    let env: Record<string, string>;
    before(async () => {
      server = await startServer(kind);
      env = { DATABASE_URL: server.db.url };
    });
    after(() => server?.close());

    it('client:create prints the id and secret once (JSON), stores only a hash, and audits', async () => {
      const res = await run(CLI, ['client:create', '--name', 'Shell App', '--redirect', 'https://cli.example/cb,http://127.0.0.1/cb', '--password-grant', '--personal-access', '--client-credentials', '--json'], env);
      assert.equal(res.code, 0, res.stderr);
      const out = JSON.parse(res.stdout);
      assert.match(out.id, /^[0-9a-f-]{36}$/);
      assert.match(out.secret, /^kg_cs_/);
      assert.deepEqual(out.types, ['authorization_code_grant', 'password_client', 'personal_access_client', 'client_credentials_grant']);
      assert.deepEqual(out.redirect, ['https://cli.example/cb', 'http://127.0.0.1/cb']);
      const stored = (await server.ctx.clients.findById(out.id))!;
      assert.equal(stored.secretHash, hashSecret(out.secret));
      assert.ok(server.ctx.clients.secretMatches(stored, out.secret));
      const audit = await server.ctx.audit.list({ page: 1, perPage: 10, type: 'client.created' });
      assert.ok(audit.data.some((e) => e.subjectId === out.id && e.actor.name === 'cli'));
      assert.ok(!JSON.stringify(audit.data).includes(out.secret));

      const text = await run(CLI, ['client:create', '--name', 'Shell Public', '--redirect', 'http://localhost:8000/cb', '--public'], env);
      assert.equal(text.code, 0, text.stderr);
      assert.match(text.stdout, /Created Auth Client "Shell Public"/);
      assert.doesNotMatch(text.stdout, /secret/);
    });

    it('client:create refuses bad input with one clear line and a non-zero exit', async () => {
      const cases: Array<[string[], number, RegExp]> = [
        [['--password-grant'], 2, /--name is required/],
        [['--name', 'No grants'], 2, /choose at least one grant/],
        [['--name', 'shell app', '--password-grant'], 1, /The Name has already been taken\./],
        [['--name', 'Bad', '--redirect', 'http://evil.example/cb'], 1, /must use https/],
        [['--name', 'Bad', '--password-grant', '--public'], 1, /public client/],
        [['--name', 'Bad', '--bogus'], 2, /--bogus/],
      ];
      for (const [args, code, message] of cases) {
        const res = await run(CLI, ['client:create', ...args], env);
        assert.equal(res.code, code, `${args.join(' ')}: ${res.stderr}`);
        assert.equal(res.stderr.trim().split('\n').length, 1, res.stderr);
        assert.match(res.stderr, message);
      }
    });

    it('client:list pages and filters, in text and JSON, never showing a secret', async () => {
      const res = await run(CLI, ['client:list', '--json', '--filter', 'shell', '--order-by', 'name'], env);
      assert.equal(res.code, 0, res.stderr);
      const out = JSON.parse(res.stdout);
      assert.deepEqual(out.data.map((c: { name: string }) => c.name), ['Shell App', 'Shell Public']);
      assert.equal(out.meta.total, 2);
      assert.ok(!res.stdout.includes('kg_cs_'));
      const page = JSON.parse((await run(CLI, ['client:list', '--json', '--per-page', '1', '--page', '2', '--filter', 'SHELL', '--order-by', 'name'], env)).stdout);
      assert.deepEqual(page.data.map((c: { name: string }) => c.name), ['Shell Public']);
      const text = await run(CLI, ['client:list'], env);
      assert.match(text.stdout, /Shell App/);
      assert.match(text.stdout, /Personal Access Client/);
      const none = await run(CLI, ['client:list', '--filter', 'nothing-matches-this'], env);
      assert.equal(none.stdout.trim(), 'No Auth Client matches "nothing-matches-this".');
      const paged = await run(CLI, ['client:list', '--per-page', '1', '--filter', 'shell', '--order-by', 'name'], env);
      assert.match(paged.stdout, /1–1 of 2 \(page 1 of 2\)\nNext page: keygate client:list --filter shell --order-by name --per-page 1 --page 2\n$/);
      const bad = await run(CLI, ['client:list', '--per-page', '500'], env);
      assert.equal(bad.code, 1, bad.stderr);
      assert.match(bad.stderr, /--per-page must be/);
    });

    it('client:delete ends the client’s tokens on the running server at its next request', async () => {
      const client = (await server.ctx.clients.findByName('Shell App'))!;
      const token = await mintToken(server.ctx, { userId: server.admin.id, clientId: client.id });
      const me = () => fetch(`${server.baseUrl}/api/1.0/users/me`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);
      assert.equal(await me(), 200);
      assert.equal(await me(), 200);
      const res = await run(CLI, ['client:delete', '--name', 'shell app', '--json'], env);
      assert.equal(res.code, 0, res.stderr);
      assert.deepEqual(JSON.parse(res.stdout), { id: client.id, name: 'Shell App', tokens_ended: 1 });
      assert.equal(await me(), 401);
      const again = await run(CLI, ['client:delete', '--id', client.id], env);
      assert.equal(again.code, 1, again.stderr);
      assert.match(again.stderr, /no Auth Client with id/);
      const neither = await run(CLI, ['client:delete'], env);
      assert.equal(neither.code, 2, neither.stderr);
    });
  });
}
