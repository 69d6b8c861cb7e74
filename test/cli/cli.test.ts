import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CLI, run } from '../helpers/spawn.js';
import { createTestDatabase, storeKinds, type TestDatabase } from '../helpers/stores.js';

describe('keygate CLI: help and argument errors', () => {
  it('npx keygate --help lists the commands, and leaves the built dist/ as it was', () => {
    // npx runs the project's `prepare` on every call; a rebuild there would rewrite dist/ under
    // every server and CLI running from it (and take 9 s).
    const built = () => readdirSync('dist', { recursive: true, encoding: 'utf8' }).map((f) => `${f} ${statSync(join('dist', f)).mtimeMs}`).sort();
    const before = built();
    const out = execFileSync('npx', ['--no-install', 'keygate', '--help'], { encoding: 'utf8' });
    assert.match(out, /Usage: keygate <command>/);
    for (const name of ['serve', 'migrate', 'user:create']) assert.match(out, new RegExp(`\\b${name}\\b`));
    assert.deepEqual(built(), before, 'npx keygate rebuilt dist/');
  });

  it('each command has --help', async () => {
    for (const name of ['serve', 'migrate', 'user:create']) {
      const res = await run(CLI, [name, '--help']);
      assert.equal(res.code, 0, `${name}: ${res.stderr}`);
      assert.match(res.stdout, /Usage: keygate/);
    }
  });

  it('an unknown command or flag gives one clear line and a non-zero exit', async () => {
    const unknown = await run(CLI, ['frobnicate']);
    assert.notEqual(unknown.code, 0, unknown.stderr);
    assert.equal(unknown.stderr.trim().split('\n').length, 1);
    assert.match(unknown.stderr, /unknown command "frobnicate"/);
    const flag = await run(CLI, ['user:create', '--bogus']);
    assert.equal(flag.code, 2, flag.stderr);
    assert.match(flag.stderr, /--bogus/);
    const missing = await run(CLI, ['user:create', '--password', 'longenough']);
    assert.equal(missing.code, 2, missing.stderr);
    assert.match(missing.stderr, /--username is required/);
  });

  it('refuses a bad DATABASE_URL with the documented line', async () => {
    const res = await run(CLI, ['migrate'], { DATABASE_URL: 'mysql://x' });
    assert.equal(res.code, 1, res.stderr);
    assert.equal(res.stderr.trim(), 'keygate migrate: unsupported DATABASE_URL scheme "mysql": use sqlite:<path> or postgres://…');
  });
});

for (const kind of storeKinds()) {
  describe(`keygate CLI on the store [${kind}]`, () => {
    let db: TestDatabase;
    before(async () => {
      db = await createTestDatabase(kind);
    });
    after(() => db.drop());

    it('migrates, creates users (JSON output, stdin password) and refuses a duplicate', async () => {
      const env = { DATABASE_URL: db.url };
      const migrated = await run(CLI, ['migrate', '--json'], env);
      assert.equal(migrated.code, 0, migrated.stderr);
      assert.ok(Array.isArray(JSON.parse(migrated.stdout).applied));
      const again = await run(CLI, ['migrate'], env);
      assert.match(again.stdout, /up to date/);

      const created = await run(CLI, ['user:create', '--username', 'Carol', '--password', 'carol-password', '--permission', 'view-auth_clients', '--permission', 'edit-auth_clients', '--json'], env);
      assert.equal(created.code, 0, created.stderr);
      const user = JSON.parse(created.stdout);
      assert.equal(user.username, 'Carol');
      assert.match(user.id, /^[0-9a-f-]{36}$/);

      const viaStdin = await run(CLI, ['user:create', '--username', 'dave', '--password-stdin', '--admin', '--json'], env, 'dave-password\n');
      assert.equal(viaStdin.code, 0, viaStdin.stderr);

      const dup = await run(CLI, ['user:create', '--username', 'carol', '--password', 'another-password'], env);
      assert.equal(dup.code, 1, dup.stderr);
      assert.equal(dup.stderr.trim(), 'keygate user:create: a user named "carol" already exists');

      const badPermission = await run(CLI, ['user:create', '--username', 'erin', '--password', 'erin-password', '--permission', 'fly'], env);
      assert.equal(badPermission.code, 2, badPermission.stderr);
      assert.match(badPermission.stderr, /unknown permission "fly"/);
    });
  });
}
