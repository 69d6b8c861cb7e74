/**
 * Scenario 7: after a revoke, how long until the API refuses the token (single node).
 *
 * Each trial puts a fresh token in the server's cache (two accepted calls), revokes it, and then
 * calls the API back to back until it answers 401. Two paths: POST /oauth/revoke on the server
 * itself (its own cache), and a revoke committed by another process on the same store, as the
 * CLI does (SQLite: data_version + epoch; PostgreSQL: LISTEN/NOTIFY). Reported: how many calls
 * were still accepted after the revoke returned and the time from the revoke's return until the
 * first refusal. The target: none accepted on the same node, or through the same SQLite file; on
 * PostgreSQL another process is another node, which the product promises to reach within 100 ms
 * (a NOTIFY arrives after the commit), so there the target is the slowest refusal.
 */
import { hashSecret } from '../../src/domain/secret.js';
import { insertKnownTokens, openContext, type BenchDatabase } from '../lib/keygate.js';
import { limit } from '../lib/report.js';
import { clientBasic, getStatus, median, percentile, postForm, type BenchEnv } from './common.js';

async function untilRefused(url: string, token: string, deadlineMs: number): Promise<{ accepted: number; ms: number }> {
  const start = performance.now();
  let accepted = 0;
  while (performance.now() - start < deadlineMs) {
    const status = await getStatus(url, token);
    if (status === 401) return { accepted, ms: Math.round((performance.now() - start) * 100) / 100 };
    if (status === 200) accepted++;
    else throw new Error(`unexpected status ${status}`);
  }
  return { accepted, ms: Infinity };
}

export async function scenarioRevocation(env: BenchEnv, db: BenchDatabase): Promise<void> {
  const trials = env.quick ? 10 : 50;
  const url = `${env.kg.base}/api/1.0/users/me`;
  const ctx = await openContext(db);
  try {
    const tokens = await insertKnownTokens(ctx, env.seed, 'access_token', trials * 2);
    const paths: Array<{ name: string; revoke: (token: string) => Promise<void> }> = [];
    const probe = await postForm(`${env.kg.base}/oauth/revoke`, { token: 'kg_at_probe' }, { authorization: clientBasic(env) });
    if (probe.status === 200) {
      paths.push({
        name: 'POST /oauth/revoke on the same server',
        revoke: async (token) => {
          const res = await postForm(`${env.kg.base}/oauth/revoke`, { token }, { authorization: clientBasic(env) });
          if (res.status !== 200) throw new Error(`revoke answered ${res.status}`);
        },
      });
    } else {
      env.rows.push({ scenario: '7', system: 'Keygate', what: 'POST /oauth/revoke', note: `not available in this build (status ${probe.status})` });
    }
    paths.push({
      name: `revoke committed by another process (like the CLI)${env.db === 'postgres' ? ', LISTEN/NOTIFY' : ', data_version'}`,
      revoke: async (token) => {
        const hash = hashSecret(token);
        const n = await ctx.tokens.revokeWhere((trx) => trx.selectFrom('tokens').select(['id', 'token_hash']).where('token_hash', '=', hash).execute(), Date.now());
        if (n !== 1) throw new Error('the store revoked nothing');
      },
    });
    let i = 0;
    for (const path of paths) {
      env.log(`  7 ${path.name}…`);
      const delays: number[] = [];
      let accepted = 0;
      for (let t = 0; t < trials; t++) {
        const token = tokens[i++]!;
        for (let k = 0; k < 2; k++) if ((await getStatus(url, token)) !== 200) throw new Error('a fresh token was refused');
        await path.revoke(token);
        const r = await untilRefused(url, token, 2000);
        delays.push(r.ms);
        accepted += r.accepted;
      }
      const figures = { trials, 'accepted after revoke': accepted, 'median ms': median(delays), 'max ms': Math.max(...delays), 'p95 ms': percentile(delays, 95) };
      env.rows.push({ scenario: '7', system: 'Keygate', what: path.name, figures });
      env.log(`    ${JSON.stringify(figures)}`);
      if (env.db === 'postgres' && path.name.includes('another process')) {
        env.ratios.push(limit('7', `${path.name}: slowest refusal after the revoke returned (other nodes: within 100 ms)`, Math.max(...delays), 100, 'ms'));
      } else {
        env.ratios.push(limit('7', `${path.name}: calls accepted after the revoke returned`, accepted, 1, 'calls'));
      }
    }
  } finally {
    await ctx.close();
  }
}
