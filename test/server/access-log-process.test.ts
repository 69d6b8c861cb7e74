/**
 * The access log as the built server writes it (LOG_LEVEL=info, stdout): lines are batched into
 * writes of about 4 KB (src/http/logger.ts), so a quiet server must still get its few lines out
 * within the periodic flush, and a line queued when SIGTERM arrives must not be lost. The log
 * path does not touch the store, so SQLite alone is enough here.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../helpers/app.js';
import { startProcess } from '../helpers/spawn.js';
import { createTestDatabase, type TestDatabase } from '../helpers/stores.js';

function accessLines(stdout: string, path: string): Array<Record<string, unknown>> {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l.msg === 'request' && l.path === path);
}

describe('access log of the server process [sqlite]', () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase('sqlite');
  });
  after(() => db.drop());

  it('writes the lines of a quiet server within a second, and the last line before it exits on SIGTERM', async () => {
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const server = await startProcess({ DATABASE_URL: db.url, PORT: String(port), LOG_LEVEL: 'info' }, baseUrl);
    try {
      // Three lines, far below one batch: only the periodic flush writes them.
      for (let i = 0; i < 3; i++) {
        const res = await fetch(`${baseUrl}/api/1.0/users/me`);
        await res.arrayBuffer();
        assert.equal(res.status, 401);
      }
      const start = Date.now();
      while (accessLines(server.stdout(), '/api/1.0/users/me').length < 3 && Date.now() - start < 1000) await new Promise((r) => setTimeout(r, 10));
      const lines = accessLines(server.stdout(), '/api/1.0/users/me');
      assert.equal(lines.length, 3, `three access lines within a second; stdout:\n${server.stdout().slice(-2000)}`);
      for (const line of lines) assert.equal(line.status, 401);

      // A request, then SIGTERM at once: its line is still queued and must reach stdout.
      const last = await fetch(`${baseUrl}/the-last-request`);
      await last.arrayBuffer();
      server.child.kill('SIGTERM');
      assert.equal(await server.exited, 0, server.stderr().slice(-2000));
      assert.equal(accessLines(server.stdout(), '/the-last-request').length, 1, `the queued line was written on exit; stdout:\n${server.stdout().slice(-2000)}`);
    } finally {
      if (server.child.exitCode === null) server.child.kill('SIGKILL');
    }
  });
});
