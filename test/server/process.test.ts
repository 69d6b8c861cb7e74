/** The built server as a process: startup errors, graceful shutdown, data surviving a restart. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../helpers/app.js';
import { WebClient } from '../helpers/http.js';
import { MAIN, run, startProcess } from '../helpers/spawn.js';
import { createTestDatabase, storeKinds, type TestDatabase } from '../helpers/stores.js';

describe('server start-up errors', () => {
  it('stops with one clear line and a non-zero exit for a bad DATABASE_URL or PORT', async () => {
    const db = await run(MAIN, [], { DATABASE_URL: 'mysql://x' });
    assert.equal(db.code, 1);
    assert.equal(db.stderr.trim(), 'keygate: unsupported DATABASE_URL scheme "mysql": use sqlite:<path> or postgres://…');
    const port = await run(MAIN, [], { PORT: 'abc' });
    assert.equal(port.code, 1);
    assert.equal(port.stderr.trim(), 'keygate: PORT must be a whole number from 0 to 65535, got "abc"');
  });

  it('says so when PostgreSQL cannot be reached', async () => {
    const res = await run(MAIN, [], { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', KEYGATE_DB_WAIT: '0' });
    assert.equal(res.code, 1);
    assert.equal(res.stderr.trim().split('\n').length, 1);
    assert.match(res.stderr, /^keygate: cannot reach PostgreSQL at 127\.0\.0\.1:1 \(DATABASE_URL\)/);
  });
});

for (const kind of storeKinds()) {
  describe(`server process [${kind}]`, () => {
    let db: TestDatabase;
    before(async () => {
      db = await createTestDatabase(kind);
    });
    after(() => db.drop());

    it('prints a generated admin password once to the terminal, keeps data across a restart, and finishes in-flight requests on SIGTERM', async () => {
      const port = await freePort();
      const baseUrl = `http://127.0.0.1:${port}`;
      const env = { DATABASE_URL: db.url, PORT: String(port), LOG_LEVEL: 'info' };
      const first = await startProcess(env, baseUrl);
      const printed = /the password:\s+(\S+)/.exec(first.stderr());
      assert.ok(printed, 'the generated password is printed');
      const password = printed[1]!;
      const login = await new WebClient(baseUrl).login('admin', password);
      assert.equal(login.status, 303);

      // Several logins in flight (each runs argon2id), then SIGTERM: each still gets its answer.
      const inFlight = Array.from({ length: 4 }, () => new WebClient(baseUrl).login('admin', 'wrong-password-xyz'));
      await new Promise((r) => setTimeout(r, 30));
      first.child.kill('SIGTERM');
      const answers = await Promise.allSettled(inFlight);
      const code = await first.exited;
      assert.equal(code, 0, first.stderr().slice(-3000));
      const answered = answers.filter((a) => a.status === 'fulfilled' && [401, 429].includes(a.value.status));
      assert.ok(answered.length >= 1, 'requests in flight at SIGTERM were answered');

      // Restart on the same store: the admin (and password) survived; no new password is printed.
      const second = await startProcess(env, baseUrl);
      assert.doesNotMatch(second.stderr(), /the password:/);
      const again = await new WebClient(baseUrl).login('admin', password);
      assert.equal(again.status, 303);
      second.child.kill('SIGTERM');
      assert.equal(await second.exited, 0);
    });
  });
}
