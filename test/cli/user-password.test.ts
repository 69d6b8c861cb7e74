/**
 * `keygate user:password`, run as the built CLI (its own process) against the store of a running
 * server: the user's sessions end and their access and refresh tokens are refused by that server
 * at once; personal access tokens keep working unless --revoke-personal-access-tokens; the new
 * password logs in (also the way back in for a lost administrator password). Bad input is one
 * clear line and a non-zero exit.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createUser, issuePat, startServer, type TestServer } from '../helpers/app.js';
import { WebClient } from '../helpers/http.js';
import { CLI, run } from '../helpers/spawn.js';
import { storeKinds } from '../helpers/stores.js';
import { makeClient, me, oauthPost } from '../http/oauth-helpers.js';

/** One line on stderr, the given exit code. */
function oneLine(res: { code: number | null; stderr: string; stdout: string }, code: number, pattern: RegExp): void {
  assert.equal(res.code, code, res.stderr);
  assert.equal(res.stderr.trim().split('\n').length, 1, res.stderr);
  assert.match(res.stderr, pattern);
  assert.equal(res.stdout, '');
}

describe('keygate user:password arguments', () => {
  it('has --help, and refuses neither or both password options and a short password', async () => {
    const help = await run(CLI, ['user:password', '--help']);
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /Usage: keygate user:password --username U \(--password-stdin \| --password P\) \[--revoke-personal-access-tokens\]/);
    assert.match((await run(CLI, ['--help'])).stdout, /user:password/);
    oneLine(await run(CLI, ['user:password', '--username', 'kim']), 2, /^keygate user:password: --password or --password-stdin is required \(see keygate user:password --help\)$/m);
    oneLine(await run(CLI, ['user:password', '--username', 'kim', '--password', 'long enough one', '--password-stdin'], {}, 'x'), 2, /use either --password or --password-stdin, not both/);
    oneLine(await run(CLI, ['user:password', '--username', 'kim', '--password-stdin'], {}, 'short\n'), 2, /The Password must be at least 8 characters\./);
    oneLine(await run(CLI, ['user:password', '--password', 'long enough one']), 2, /--username is required/);
  });
});

for (const kind of storeKinds()) {
  describe(`keygate user:password against a running server [${kind}]`, () => {
    let server: TestServer;
    let env: Record<string, string>;

    /** Refused at once on SQLite; on PostgreSQL once NOTIFY arrives (bound 1 s). */
    async function refused(token: string): Promise<void> {
      const started = Date.now();
      while ((await me(server.baseUrl, token)) !== 401) {
        assert.ok(kind === 'postgres' && Date.now() - started < 1000, 'refused at once (PostgreSQL: within 1 s)');
        await new Promise((r) => setTimeout(r, 10));
      }
    }

    before(async () => {
      server = await startServer(kind);
      env = { DATABASE_URL: server.db.url };
    });
    after(() => server.close());

    it('ends sessions and OAuth tokens at once, keeps PATs unless asked, and the new password logs in', async () => {
      const kim = await createUser(server.ctx, { username: 'kim' });
      const web = new WebClient(server.baseUrl);
      assert.equal((await web.login('kim', kim.password)).status, 303);
      const desktop = await makeClient(server.ctx, { name: 'Kim desktop', types: ['password_client'] });
      const grant = await oauthPost(server.baseUrl, '/oauth/token', { grant_type: 'password', username: 'kim', password: kim.password }, { basic: desktop });
      assert.equal(grant.status, 200);
      const pat = (await issuePat(server.ctx, kim.id, { name: 'kim script' })).token;
      assert.equal(await me(server.baseUrl, grant.body.access_token), 200, 'cached by the server');

      const res = await run(CLI, ['user:password', '--username', 'KIM', '--password-stdin'], env, 'a brand new password\n');
      assert.equal(res.code, 0, res.stderr);
      assert.match(res.stdout, /^Changed the password of "kim" \(.+\): their sessions ended and their access and refresh tokens were revoked; personal access tokens keep working\.\n$/);
      assert.equal((await web.get('/profile/tokens')).status, 303, 'the session ended');
      await refused(grant.body.access_token);
      const refresh = await oauthPost(server.baseUrl, '/oauth/token', { grant_type: 'refresh_token', refresh_token: grant.body.refresh_token }, { basic: desktop });
      assert.equal(refresh.body.error, 'invalid_grant', 'the refresh token no longer rotates');
      assert.equal(await me(server.baseUrl, pat), 200, 'personal access tokens survive');
      assert.equal((await new WebClient(server.baseUrl).login('kim', 'a brand new password')).status, 303);
      const audit = await server.ctx.audit.list({ page: 1, perPage: 1, type: 'user.updated' });
      assert.equal(audit.data[0]?.actor.name, 'cli');
      assert.equal(audit.data[0]?.details.password_changed, true);

      const withPats = await run(CLI, ['user:password', '--username', 'kim', '--password', 'yet another password', '--revoke-personal-access-tokens', '--json'], env);
      assert.equal(withPats.code, 0, withPats.stderr);
      assert.deepEqual(JSON.parse(withPats.stdout), { id: kim.id, username: 'kim', revoked_personal_access_tokens: true });
      await refused(pat);
    });

    it('is the way back in for a lost administrator password', async () => {
      const res = await run(CLI, ['user:password', '--username', 'admin', '--password-stdin'], env, 'recovered admin password\r\n');
      assert.equal(res.code, 0, res.stderr);
      assert.equal((await new WebClient(server.baseUrl).login('admin', 'recovered admin password')).status, 303);
    });

    it('says so in one line for an unknown user', async () => {
      oneLine(await run(CLI, ['user:password', '--username', 'nobody', '--password', 'long enough one'], env), 1, /^keygate user:password: No user with the id or username "nobody"\.\n$/);
    });
  });
}
