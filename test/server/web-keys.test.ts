/**
 * Security round 2 (docs/security.md T26): the keys that sign cookies and CSRF tokens (and digest session
 * ids) are not in the database, and the files Keygate creates are private.
 * - A fresh SQLite store: data folder 0700, database and its -wal/-shm 0600, a key file
 *   `<database>.key` (0600, 32 bytes), and no web key in the settings table.
 * - A restart keeps sessions; another KEYGATE_SECRET_KEY logs them out (SQLite and PostgreSQL).
 * - Two servers started at once on a fresh SQLite file agree on one key.
 * - PostgreSQL without KEYGATE_SECRET_KEY prints one warning and works with the stored keys.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { hashSecret } from '../../src/domain/secret.js';
import { freePort, startServer, type TestServer } from '../helpers/app.js';
import { WebClient } from '../helpers/http.js';
import { startProcess } from '../helpers/spawn.js';
import { createTestDatabase, PG_URL, storeKinds, type StoreKind, type TestDatabase } from '../helpers/stores.js';

const WEB_KEY_ROWS = ['cookie_secret', 'csrf_hmac_key', 'result_key'];
const mode = (path: string) => statSync(path).mode & 0o777;
const octal = (n: number) => `0${n.toString(8)}`;

/** A SQLite database in a folder that does not exist yet (so Keygate creates it). */
function freshSqlite(): TestDatabase & { dir: string; root: string } {
  const root = mkdtempSync(join(tmpdir(), 'keygate-keys-'));
  const dir = join(root, 'data', 'keygate');
  const path = join(dir, 'keygate.sqlite');
  return { kind: 'sqlite', url: `sqlite:${path}`, path, dir, root, drop: async () => rmSync(root, { recursive: true, force: true }) };
}

async function signedIn(server: TestServer): Promise<WebClient> {
  const web = new WebClient(server.baseUrl);
  assert.equal((await web.login('admin', server.admin.password)).status, 303);
  return web;
}

/** 200 while the session works; 303 (to /login) once it has ended. */
async function sessionStatus(server: TestServer, web: WebClient): Promise<number> {
  const page = await fetch(`${server.baseUrl}/profile/tokens`, { headers: { cookie: web.cookieHeader() }, redirect: 'manual' });
  await page.arrayBuffer();
  return page.status;
}

/** The web keys in a PostgreSQL database's settings table, read directly. */
async function storedKeys(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ key: string }>('select key from settings where key = any($1) order by key', [WEB_KEY_ROWS]);
    return rows.map((r) => r.key);
  } finally {
    await client.end();
  }
}

async function settingKeys(server: TestServer): Promise<string[]> {
  return (await server.ctx.store.db.selectFrom('settings').select('key').execute()).map((r) => r.key);
}

describe('web keys and file modes [sqlite]', () => {
  const cleanup: Array<() => Promise<void>> = [];
  after(async () => {
    for (const c of cleanup) await c();
  });

  it('creates a 0700 folder, a 0600 database (and -wal, -shm), a 0600 key file, and stores no web key', async () => {
    const db = freshSqlite();
    cleanup.push(() => db.drop());
    const server = await startServer('sqlite', { db });
    try {
      const web = await signedIn(server);
      assert.equal(mode(db.dir), 0o700, `folder ${octal(mode(db.dir))}`);
      assert.equal(mode(join(db.root, 'data')), 0o700, 'every folder Keygate created');
      for (const file of [db.path!, `${db.path!}-wal`, `${db.path!}-shm`, `${db.path!}.key`]) {
        assert.equal(mode(file), 0o600, `${file}: ${octal(mode(file))}`);
      }
      assert.equal(statSync(`${db.path!}.key`).size, 32);
      assert.deepEqual(readdirSync(db.dir).filter((f) => f.endsWith('.tmp')), [], 'no temporary key file left');
      const keys = await settingKeys(server);
      assert.deepEqual(keys.filter((k) => WEB_KEY_ROWS.includes(k)), [], `settings: ${keys.join(', ')}`);
      // The session row is keyed by an HMAC under the derived key, not a digest anyone can compute.
      const rows = await server.ctx.store.db.selectFrom('sessions').select('id_hash').execute();
      assert.ok(rows.length >= 1);
      assert.ok(!rows.some((r) => r.id_hash === hashSecret(web.cookie('kg_session')!)));
    } finally {
      await server.close({ keepDatabase: true });
    }
  });

  it('keeps sessions across a restart with the key file, and logs them out when KEYGATE_SECRET_KEY replaces it', async () => {
    const db = freshSqlite();
    cleanup.push(() => db.drop());
    let server = await startServer('sqlite', { db });
    const password = server.admin.password;
    const web = await signedIn(server);
    await server.close({ keepDatabase: true });
    server = await startServer('sqlite', { db, adminPassword: password });
    assert.equal(await sessionStatus(server, web), 200, 'a restart keeps the session');
    await server.close({ keepDatabase: true });
    server = await startServer('sqlite', { db, adminPassword: password, env: { KEYGATE_SECRET_KEY: randomBytes(32).toString('base64') } });
    assert.equal(await sessionStatus(server, web), 303, 'a new key ends the session');
    await server.close({ keepDatabase: true });
  });

  it('lets two servers started at once on a fresh store agree on one key', async () => {
    const db = freshSqlite();
    cleanup.push(() => db.drop());
    const password = randomBytes(12).toString('base64url');
    const [portA, portB] = [await freePort(), await freePort()];
    const env = (port: number) => ({ DATABASE_URL: db.url, PORT: String(port), HOST: '127.0.0.1', KEYGATE_ADMIN_PASSWORD: password });
    const started = await Promise.allSettled([startProcess(env(portA), `http://127.0.0.1:${portA}`), startProcess(env(portB), `http://127.0.0.1:${portB}`)]);
    const running = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    cleanup.push(async () => {
      for (const p of running) p.child.kill('SIGKILL');
      await Promise.all(running.map((p) => p.exited));
    });
    // Both must start: the second one waits for the first one's migrations (src/store/migrate.ts).
    for (const s of started) if (s.status === 'rejected') throw s.reason;
    const web = new WebClient(`http://127.0.0.1:${portA}`);
    assert.equal((await web.login('admin', password)).status, 303);
    const onB = await fetch(`http://127.0.0.1:${portB}/profile/tokens`, { headers: { cookie: web.cookieHeader() }, redirect: 'manual' });
    assert.equal(onB.status, 200, 'the session from A is valid on B: one key');
    // And B accepts A's CSRF token (the same HMAC key).
    const csrf = await web.csrfToken();
    const res = await fetch(`http://127.0.0.1:${portB}/api/1.0/users/me`, { method: 'GET', headers: { cookie: web.cookieHeader(), 'x-csrf-token': csrf } });
    assert.equal(res.status, 200);
    assert.deepEqual(readdirSync(db.dir).filter((f) => f.endsWith('.key') || f.endsWith('.tmp')), ['keygate.sqlite.key']);
  });
});

for (const kind of storeKinds()) {
  describe(`KEYGATE_SECRET_KEY [${kind}]`, () => {
    it('keeps sessions across a restart with the same key and ends them with another one', async () => {
      const db = await createTestDatabase(kind as StoreKind);
      const keyA = randomBytes(32).toString('base64');
      let server = await startServer(kind, { db, env: { KEYGATE_SECRET_KEY: keyA } });
      const password = server.admin.password;
      try {
        assert.deepEqual((await settingKeys(server)).filter((k) => WEB_KEY_ROWS.includes(k)), []);
        const web = await signedIn(server);
        await server.close({ keepDatabase: true });
        server = await startServer(kind, { db, adminPassword: password, env: { KEYGATE_SECRET_KEY: keyA } });
        assert.equal(await sessionStatus(server, web), 200);
        await server.close({ keepDatabase: true });
        server = await startServer(kind, { db, adminPassword: password, env: { KEYGATE_SECRET_KEY: randomBytes(32).toString('base64') } });
        assert.equal(await sessionStatus(server, web), 303);
      } finally {
        await server.close();
      }
    });
  });
}

describe('PostgreSQL without KEYGATE_SECRET_KEY', { skip: PG_URL ? false : 'TEST_DATABASE_URL is not set' }, () => {
  it('prints one warning, works with the keys stored in the database, and drops them once the variable is set', async () => {
    const db = await createTestDatabase('postgres');
    const password = randomBytes(12).toString('base64url');
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const env = { DATABASE_URL: db.url, PORT: String(port), HOST: '127.0.0.1', KEYGATE_ADMIN_PASSWORD: password };
    let node = await startProcess(env, base);
    try {
      const web = new WebClient(base);
      assert.equal((await web.login('admin', password)).status, 303);
      assert.deepEqual(await storedKeys(db.url), WEB_KEY_ROWS, 'the old way: keys in the settings table');
      const warnings = node.stderr().split('\n').filter((l) => l.includes('KEYGATE_SECRET_KEY is not set'));
      assert.equal(warnings.length, 1, node.stderr());
      assert.match(warnings[0]!, /^keygate: warning: /);
      node.child.kill('SIGTERM');
      await node.exited;
      node = await startProcess(env, base);
      const page = await fetch(`${base}/profile/tokens`, { headers: { cookie: web.cookieHeader() }, redirect: 'manual' });
      assert.equal(page.status, 200, 'the stored keys (and sessions) survive a restart');
      node.child.kill('SIGTERM');
      await node.exited;
      node = await startProcess({ ...env, KEYGATE_SECRET_KEY: randomBytes(32).toString('base64') }, base);
      assert.ok(!node.stderr().includes('KEYGATE_SECRET_KEY is not set'));
      const after = await fetch(`${base}/profile/tokens`, { headers: { cookie: web.cookieHeader() }, redirect: 'manual' });
      assert.equal(after.status, 303, 'moving to the secret key logs everyone out once');
      assert.deepEqual(await storedKeys(db.url), [], 'the stored keys are gone from the database');
    } finally {
      node.child.kill('SIGTERM');
      await node.exited;
      await db.drop();
    }
  });
});
