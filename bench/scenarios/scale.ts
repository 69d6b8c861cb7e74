/**
 * Scenario 5: the token check as the store grows, 1,000 stored tokens against 1,000,000.
 *
 * To exercise the store rather than the cache (ENGINEERING.md, "Clarifications"), both sizes
 * run with the cache off (KEYGATE_TOKEN_CACHE_SIZE=0), each request carrying the next of many
 * distinct valid tokens: all 1,000 in the small store, 20,000 in the large one. A third run
 * keeps the default cache (10,000 entries) against the 20,000 tokens in round-robin order: the
 * worst case for the shipped configuration. Without admission every lookup was a miss plus an
 * eviction; with it (src/oauth/cache-admission.ts) the cache keeps a stable half of the tokens,
 * and the target is "no slower than the cache off".
 *
 * The driven tokens are seeded last, as used a moment ago, so no last-use write falls due in the
 * first minute (at most one per token per minute and server): otherwise the 20,000 first uses of
 * the large runs would be measured against the 1,000 of the small one, which is the number of
 * active tokens, not the size of the store. The three servers (small store, large store with the
 * cache off, large store with the default cache) run at once and are measured interleaved
 * (bench/lib/load.ts), so both ratios compare figures taken in the same minutes; in the last
 * rounds each server writes each driven token's last use once.
 */
import { createDatabase, insertFillerTokens, insertKnownTokens, openContext, seedBase, startKeygate, type BenchDatabase, type DbKind, type KeygateServer, type Seed } from '../lib/keygate.js';
import { cleanRps, describeMeasurement, cycle, measureInterleaved, type LoadSettings, type Measurement } from '../lib/load.js';
import { ratio, type Ratio, type Row } from '../lib/report.js';
import type { Context } from '../../src/context.js';

export interface ScaleOptions {
  readonly db: DbKind;
  readonly settings: LoadSettings;
  readonly largeStore: number;
  readonly rows: Row[];
  readonly ratios: Ratio[];
  readonly nodeArgs: string[];
  log(line: string): void;
}

const SMALL = 1_000;
const DISTINCT_LARGE = 20_000;

interface Run {
  readonly db: BenchDatabase;
  readonly tokens: string[];
  readonly stored: number;
  readonly cacheSize: string;
}

/** The small store (1,000 tokens) and the large one, in two databases so their servers can run at the same time. */
export async function scenarioScale(o: ScaleOptions): Promise<void> {
  const dbs: BenchDatabase[] = [];
  try {
    o.log(`  5 seeding ${o.largeStore.toLocaleString('en-US')} tokens…`);
    const started = Date.now();
    const { db: largeDb, tokens: large } = await seededDatabase(o.db, dbs, async (ctx, seed) => {
      await insertFillerTokens(ctx, seed, o.largeStore - DISTINCT_LARGE - 2, (done) => o.log(`    ${done.toLocaleString('en-US')} tokens`));
      return insertKnownTokens(ctx, seed, 'access_token', DISTINCT_LARGE, 'password', { usedNow: true });
    });
    o.log(`    seeded in ${((Date.now() - started) / 1000).toFixed(1)} s`);

    // seedBase stored 2 tokens; together with these the store holds 1,000.
    const { db: smallDb, tokens: small } = await seededDatabase(o.db, dbs, (ctx, seed) => insertKnownTokens(ctx, seed, 'access_token', SMALL - 2, 'password', { usedNow: true }));

    // All three interleaved: both ratios are targets.
    const [a, b, c] = await measureRuns(o, [
      { db: smallDb, tokens: small, stored: SMALL, cacheSize: '0' },
      { db: largeDb, tokens: large, stored: o.largeStore, cacheSize: '0' },
      { db: largeDb, tokens: large, stored: o.largeStore, cacheSize: '10000' },
    ]);
    o.ratios.push(ratio('5', `default cache vs cache off, round-robin over ${DISTINCT_LARGE.toLocaleString('en-US')} tokens`, cleanRps(c), cleanRps(b), 1));
    o.ratios.push(ratio('5', `token check at ${o.largeStore.toLocaleString('en-US')} vs 1,000 stored tokens (cache off)`, cleanRps(b), cleanRps(a), 0.9));
  } finally {
    for (const db of dbs) await db.drop();
  }
}

/** A fresh database (added to `dbs`, which the caller drops) with the base seed, and the tokens `fill` stored in it. */
async function seededDatabase(kind: DbKind, dbs: BenchDatabase[], fill: (ctx: Context, seed: Seed) => Promise<string[]>): Promise<{ db: BenchDatabase; tokens: string[] }> {
  const db = await createDatabase(kind);
  dbs.push(db);
  const seed = await seedBase(db);
  const ctx = await openContext(db);
  try {
    return { db, tokens: await fill(ctx, seed) };
  } finally {
    await ctx.close();
  }
}

/** One Keygate per run, all running at once, measured interleaved (bench/lib/load.ts). */
async function measureRuns(o: ScaleOptions, runs: readonly Run[]): Promise<Measurement[]> {
  const what = (r: Run) =>
    `GET /api/1.0/users/me, ${r.stored.toLocaleString('en-US')} stored tokens, ${r.tokens.length.toLocaleString('en-US')} distinct tokens, cache ${r.cacheSize === '0' ? 'off' : r.cacheSize}`;
  o.log(`  5 interleaved: ${runs.map(what).join(' · ')}…`);
  const servers: KeygateServer[] = [];
  try {
    for (const r of runs) servers.push(await startKeygate(r.db, { KEYGATE_TOKEN_CACHE_SIZE: r.cacheSize }, o.nodeArgs));
    const ms = await measureInterleaved(
      runs.map((r, i) => {
        const next = cycle(r.tokens);
        const kg = servers[i]!;
        return { url: `${kg.base}/api/1.0/users/me`, pid: kg.proc.pid, setupRequest: (req) => ({ ...req, headers: { authorization: `Bearer ${next()}` } }) };
      }),
      o.settings,
    );
    runs.forEach((r, i) => {
      const m = ms[i]!;
      o.rows.push({ scenario: '5', system: 'Keygate', what: what(r), m });
      o.log(`    ${what(r)}: ${describeMeasurement(m)}`);
    });
    return ms;
  } finally {
    for (const kg of servers) await kg.stop();
  }
}
