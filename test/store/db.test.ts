/**
 * The SQLite store under steady writes: its checkpoint thread must keep the WAL bounded. Passive
 * checkpoints alone never catch up while commits keep landing, and an ever-growing WAL ended in
 * every commit running a checkpoint of its own (requests stalled for seconds in the soak).
 *
 * This tests the mechanism, not the machine's speed. Commits never stop; the checkpoint thread
 * reports each round, and the test counts the pages committed between rounds. Every round that
 * finds the WAL past the restart mark must rewind it, and the WAL may never hold more than the mark
 * plus what was committed between a few rounds — a bound that scales with however fast (or
 * loaded) the machine is, instead of a fixed number of megabytes.
 */
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { openStore, RESTART_AT_PAGES, type CheckpointRound, type Store } from '../../src/store/db.js';
import { createTestDatabase, type TestDatabase } from '../helpers/stores.js';

const PAGE = 4096;
/**
 * WAL frames one autocommitted row appends: its leaf page, the table's interior page and page 1
 * (the header's change counter) — 3.05 measured on a 3,000-byte row. Counting one page per row
 * made the bound a third of what the mechanism allows, and a loaded CI machine crossed it.
 */
const FRAMES_PER_ROW = 3;
/** Rows committed per turn of the event loop (each one page of data, FRAMES_PER_ROW frames of WAL), then the loop yields. */
const BURST = 20;

describe('SQLite store [sqlite]', () => {
  let db: TestDatabase;
  let store: Store;
  const rounds: Array<CheckpointRound & { readonly pagesSince: number }> = [];
  let pagesSinceRound = 0;

  before(async () => {
    db = await createTestDatabase('sqlite');
    store = openStore({ kind: 'sqlite', path: db.path! } as Parameters<typeof openStore>[0], {
      onCheckpoint: (round) => {
        rounds.push({ ...round, pagesSince: pagesSinceRound });
        pagesSinceRound = 0;
      },
    });
    store.sqlite!.exec('create table rows (id integer primary key, body text not null)');
  });
  after(async () => {
    await store.close();
    await db.drop();
  });

  it('rewinds the WAL whenever a round finds it past the restart mark, so it stays bounded while commits never stop', async () => {
    const insert = store.sqlite!.prepare('insert into rows (body) values (?)');
    const body = 'x'.repeat(3000);
    let written = 0;
    let largestWalPages = 0;
    let largestAt = 0;
    const stuck = Date.now() + 120_000;
    // Until the WAL has passed the mark several times over, enough rounds have run and one of them
    // rewound it. On a loaded machine the writer can be descheduled long enough for a passive
    // round to copy the whole WAL, which SQLite then rewinds by itself, or a RESTART can find the
    // writer busy: 12 rounds (3 s) once went by without a rewind in CI, so the writes go on
    // (within the two minutes) until one happens.
    const rewound = () => rounds.some((r) => r.restarted);
    while (rounds.length < 12 || written < 4 * RESTART_AT_PAGES || !rewound()) {
      if (Date.now() >= stuck) break;
      for (let i = 0; i < BURST; i++) insert.run(body);
      written += BURST;
      pagesSinceRound += BURST;
      const walPages = statSync(`${db.path}-wal`).size / (PAGE + 24);
      if (walPages > largestWalPages) {
        largestWalPages = walPages;
        largestAt = rounds.length;
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    const restarts = rounds.filter((r) => r.restarted).length;
    const longest = Math.max(...rounds.map((r) => r.log));
    assert.ok(restarts >= 1, `the WAL was rewound (${restarts} times in ${rounds.length} rounds; the longest WAL a round found: ${longest} pages)`);
    // A round past the mark rewinds the WAL unless the RESTART found the writer busy; then a later
    // round does (the bound below holds either way).
    const pastMark = rounds.filter((r) => r.log >= RESTART_AT_PAGES);
    assert.ok(pastMark.length === 0 || pastMark.some((r) => r.restarted), 'a round that found the WAL past the mark rewound it');
    // The WAL holds at most the mark plus what was committed since it was last rewound: the few
    // rounds before its peak, or, when the writer kept the RESTARTs of those rounds busy (a loaded
    // machine), every round back to the last one that rewound it.
    let from = Math.max(0, largestAt - 6);
    while (from > 0 && !rounds[from]!.restarted) from--;
    const around = rounds.slice(from, largestAt + 1).reduce((n, r) => n + r.pagesSince, 0) + pagesSinceRound;
    const bound = RESTART_AT_PAGES + 2 * FRAMES_PER_ROW * around;
    assert.ok(largestWalPages <= bound, `the WAL reached ${largestWalPages.toFixed(0)} pages; the mechanism allows ${bound}`);
    console.log(`# WAL: largest ${largestWalPages.toFixed(0)} pages (mark ${RESTART_AT_PAGES}) after ${written} pages committed; ${restarts} restarts in ${rounds.length} rounds`);
  });
});
