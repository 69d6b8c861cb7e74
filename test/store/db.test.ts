/**
 * The SQLite store under steady writes: its checkpoint thread must keep the WAL bounded. Passive
 * checkpoints alone never catch up while commits keep landing, and an ever-growing WAL ended in
 * every commit running a checkpoint of its own (requests stalled for seconds in the soak).
 */
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { openStore, type Store } from '../../src/store/db.js';
import { createTestDatabase, type TestDatabase } from '../helpers/stores.js';

const MB = 1024 * 1024;

describe('SQLite store [sqlite]', () => {
  let db: TestDatabase;
  let store: Store;

  before(async () => {
    db = await createTestDatabase('sqlite');
    store = openStore({ kind: 'sqlite', path: db.path! } as Parameters<typeof openStore>[0]);
    store.sqlite!.exec('create table rows (id integer primary key, body text not null)');
  });
  after(async () => {
    await store.close();
    await db.drop();
  });

  it('keeps the WAL bounded while commits never stop', async () => {
    const insert = store.sqlite!.prepare('insert into rows (body) values (?)');
    const body = 'x'.repeat(3000); // about one page per row
    // 2,500 one-page commits a second for 8 s: more pages than the soak's mix writes.
    const perMs = 2.5;
    const started = Date.now();
    let written = 0;
    let largestWal = 0;
    while (Date.now() - started < 8_000) {
      while (written < (Date.now() - started) * perMs) {
        insert.run(body);
        written++;
      }
      largestWal = Math.max(largestWal, statSync(`${db.path}-wal`).size);
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    const writtenMb = (written * 4096) / MB;
    assert.ok(writtenMb > 70, `the test wrote enough to matter (${writtenMb.toFixed(0)} MB of pages)`);
    // Restarted at 4,000 pages (16 MB), plus what lands before the next round gets to run (on a
    // loaded machine that can be a second or more). Without restarts it grows past all written.
    assert.ok(largestWal < 48 * MB, `WAL reached ${(largestWal / MB).toFixed(1)} MB while ${writtenMb.toFixed(0)} MB went through it`);
  });
});
