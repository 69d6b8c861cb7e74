/**
 * `keygate tokens:revoke` and `keygate tokens:purge`, run as the built CLI (its own process) against
 * the store of a running server: what the CLI revokes is refused by the server on its next
 * request; the purge deletes expired and revoked rows and is idempotent.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { displayPrefix, hashSecret, issueSecret } from '../../src/domain/secret.js';
import { createUser, issuePat, startServer, type TestServer } from '../helpers/app.js';
import { WebClient } from '../helpers/http.js';
import { CLI, run } from '../helpers/spawn.js';
import { storeKinds } from '../helpers/stores.js';

describe('keygate tokens:* arguments', () => {
  it('has --help and refuses a revoke without a condition', async () => {
    for (const name of ['tokens:revoke', 'tokens:purge']) {
      const help = await run(CLI, [name, '--help']);
      assert.equal(help.code, 0, help.stderr);
      assert.match(help.stdout, new RegExp(`Usage: keygate ${name}`));
    }
    const bare = await run(CLI, ['tokens:revoke', '--dry-run']);
    assert.equal(bare.code, 2, bare.stderr);
    assert.equal(bare.stderr.trim().split('\n').length, 1);
    assert.match(bare.stderr, /at least one of --client, --user, --name, --before/);
    const batch = await run(CLI, ['tokens:purge', '--batch-size', 'lots']);
    assert.equal(batch.code, 2, batch.stderr);
  });
});

for (const kind of storeKinds()) {
  describe(`keygate tokens:revoke and tokens:purge against a running server [${kind}]`, () => {
    let server: TestServer;
    let env: Record<string, string>;
    let userId: string;
    const me = (token: string) => new WebClient(server.baseUrl).get('/api/1.0/users/me', { authorization: `Bearer ${token}` });

    /** The server notices another process's revocation on its next request (PostgreSQL: once NOTIFY arrives). */
    async function refusedSoon(token: string): Promise<number> {
      const started = Date.now();
      for (;;) {
        const res = await me(token);
        if (res.status === 401) return Date.now() - started;
        assert.ok(Date.now() - started < 1000, 'refused within the 1 s bound');
        await new Promise((r) => setTimeout(r, 10));
      }
    }

    const newPat = async (name: string) => (await issuePat(server.ctx, userId, { name })).token;

    before(async () => {
      server = await startServer(kind);
      env = { DATABASE_URL: server.db.url };
      userId = (await createUser(server.ctx, { username: 'ivan' })).id;
    });
    after(() => server.close());

    it('a dry run counts; a revoke from the CLI is refused by the running server', async () => {
      const token = await newPat('laptop');
      const other = await newPat('phone');
      assert.equal((await me(token)).status, 200, 'cached by the server');
      const dry = await run(CLI, ['tokens:revoke', '--user', 'ivan', '--name', 'laptop', '--dry-run', '--json'], env);
      assert.equal(dry.code, 0, dry.stderr);
      assert.deepEqual(JSON.parse(dry.stdout), { count: 1, dry_run: true });
      assert.equal((await me(token)).status, 200);

      const res = await run(CLI, ['tokens:revoke', '--user', 'ivan', '--name', 'laptop', '--json'], env);
      assert.equal(res.code, 0, res.stderr);
      assert.deepEqual(JSON.parse(res.stdout), { count: 1, dry_run: false });
      if (kind === 'sqlite') assert.equal((await me(token)).status, 401, 'refused on the very next request');
      else await refusedSoon(token);
      assert.equal((await me(other)).status, 200, 'other tokens keep working');

      const audit = await server.ctx.audit.list({ page: 1, perPage: 5, type: 'token.bulk_revoked' });
      assert.equal(audit.data[0]?.actor.name, 'cli');

      const human = await run(CLI, ['tokens:revoke', '--before', '2999-01-01', '--client', 'Personal Access Client'], env);
      assert.equal(human.code, 0, human.stderr);
      assert.match(human.stdout, /Revoked \d+ token\(s\)\./);
      await refusedSoon(other);
      const unknown = await run(CLI, ['tokens:revoke', '--user', 'nobody'], env);
      assert.equal(unknown.code, 1, unknown.stderr);
      assert.match(unknown.stderr, /No user with the id or username "nobody"/);
    });

    it('tokens:purge deletes expired and revoked rows in batches, keeps active ones, and is idempotent', async () => {
      const clientId = (await server.ctx.clients.findByName('Personal Access Client'))!.id;
      const now = Date.now();
      const rows = Array.from({ length: 1200 }, (_, i) => {
        const token = issueSecret('accessToken');
        return {
          id: `purge-${kind}-${i}`,
          token_hash: hashSecret(token),
          kind: 'access_token',
          prefix: displayPrefix(token),
          name: null,
          client_id: clientId,
          user_id: userId,
          scopes: 'api',
          origin: 'personal_access',
          grant_id: null,
          parent_id: null,
          created_at: now - 7200_000,
          expires_at: i % 3 === 0 ? now + 3600_000 : now - 3600_000,
          revoked_at: i % 3 === 0 && i % 2 === 0 ? now - 1000 : null,
          rotated_at: null,
          last_used_at: null,
        };
      });
      for (let i = 0; i < rows.length; i += 200) await server.ctx.store.db.insertInto('tokens').values(rows.slice(i, i + 200)).execute();
      const live = await newPat('still active');
      // Authorization codes: two expired (nothing else ever deletes them), one still valid.
      const code = (id: string, expiresAt: number) => ({
        id, code_hash: hashSecret(issueSecret('authorizationCode')), client_id: clientId, user_id: userId, redirect_uri: '', scopes: 'api',
        code_challenge: null, code_challenge_method: null, grant_id: `g-${id}`, created_at: now - 120_000, expires_at: expiresAt, consumed_at: null,
      });
      await server.ctx.store.db
        .insertInto('authorization_codes')
        .values([code(`code-old-${kind}-1`, now - 60_000), code(`code-old-${kind}-2`, now - 1), code(`code-live-${kind}`, now + 60_000)])
        .execute();
      const codes = async () => (await server.ctx.store.db.selectFrom('authorization_codes').select('id').execute()).map((r) => r.id).sort();
      const count = async () => Number((await server.ctx.store.db.selectFrom('tokens').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
      const before = await count();

      const res = await run(CLI, ['tokens:purge', '--batch-size', '250', '--json'], env);
      assert.equal(res.code, 0, res.stderr);
      const summary = JSON.parse(res.stdout);
      // 800 expired + 200 revoked-but-unexpired + the 2 PATs revoked above.
      assert.equal(summary.deleted, 1002);
      assert.equal(summary.codes_deleted, 2);
      assert.deepEqual(await codes(), [`code-live-${kind}`], 'expired authorization codes are purged too');
      assert.ok(summary.batches >= 4);
      assert.equal(typeof summary.rows_per_second, 'number');
      assert.equal(await count(), before - 1002);
      assert.equal((await me(live)).status, 200, 'active tokens stay');
      assert.equal(res.stderr, '', 'no progress bar when stderr is not a terminal');

      const again = await run(CLI, ['tokens:purge', '--json'], env);
      assert.equal(again.code, 0, again.stderr);
      assert.equal(JSON.parse(again.stdout).deleted, 0);
      assert.equal(JSON.parse(again.stdout).codes_deleted, 0);
      const plain = await run(CLI, ['tokens:purge'], env);
      assert.match(plain.stdout, /Deleted 0 expired or revoked token row\(s\)/);
    });
  });
}
