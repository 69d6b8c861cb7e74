/**
 * `npm run bench`: Keygate side by side with oidc-provider, @node-oauth/oauth2-server and a bare
 * node:http server, in one run on one machine (issue 6; method in docs/performance.md).
 *
 *   npm run bench                      SQLite (the default store)
 *   npm run bench -- --db postgres     a fresh database on postgres://postgres@127.0.0.1:5432
 *   npm run bench -- --quick           short rounds, smaller large store (development)
 *   npm run bench -- --only 1,3        some scenarios only (1–7, gateway, purge)
 *   npm run bench -- --profile         Keygate runs with --cpu-prof (bench/results/profiles/)
 *   npm run bench -- --no-write        print only, leave bench/results alone
 *
 * Every system runs in its own process, started here and stopped by pid.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createDatabase, MAIN, seedBase, startKeygate, type DbKind } from './lib/keygate.js';
import { FULL, QUICK } from './lib/load.js';
import { PEER_CONFIGS } from './lib/peers.js';
import { stopAll } from './lib/proc.js';
import { machine, printRun, RESULTS_DIR, writeResults, type RunResult } from './lib/report.js';
import { getStatus, passwordGrant, type BenchEnv } from './scenarios/common.js';
import { scenarioClientList, scenarioPurge } from './scenarios/external.js';
import { scenarioGateway } from './scenarios/gateway.js';
import { scenarioRevocation } from './scenarios/revocation.js';
import { scenarioScale } from './scenarios/scale.js';
import { scenarioApi } from './scenarios/throughput.js';

const { values } = parseArgs({
  options: {
    db: { type: 'string', default: 'sqlite' },
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    profile: { type: 'boolean', default: false },
    'no-write': { type: 'boolean', default: false },
    'large-store': { type: 'string' },
  },
});

const dbKind = values.db as DbKind;
if (dbKind !== 'sqlite' && dbKind !== 'postgres') {
  process.stderr.write(`bench: --db must be sqlite or postgres, got "${values.db}"\n`);
  process.exit(2);
}
if (!existsSync(MAIN)) {
  process.stderr.write('bench: dist/main.js is missing: run `npm run build` (npm ci does it) first\n');
  process.exit(2);
}
const quick = values.quick;
const settings = quick ? QUICK : FULL;
const selected = values.only ? new Set(values.only.split(',').map((s) => s.trim())) : null;
const only = (n: number | string): boolean => selected === null || selected.has(String(n));
const largeStore = Number(values['large-store'] ?? (quick ? 200_000 : 1_000_000));
const profileDir = join(RESULTS_DIR, 'profiles', dbKind);
const nodeArgs = values.profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
if (values.profile) mkdirSync(profileDir, { recursive: true });
const log = (line: string): void => void process.stderr.write(`${line}\n`);

const configs: Record<string, string> = {
  Keygate: `the built server (\`node dist/main.js\`) on a fresh ${dbKind === 'sqlite' ? 'temporary SQLite file' : 'PostgreSQL database (pool of 10)'}, production defaults: security headers (helmet; JSON answers get CSP default-src 'none', frame-ancestors 'none', X-Frame-Options, nosniff, Referrer-Policy, CORP), rate limiter, CSRF and cookie plugins all registered, token cache 10,000 entries, LOG_LEVEL=info (the default: one access-log line per request, written to /dev/null; the peers log nothing), one worker (KEYGATE_WORKERS=1); rows that change a setting say so. One confidential client (client_secret_basic) holding client_credentials, password and personal-access types and "may introspect all tokens"; one non-administrator user.`,
  ...PEER_CONFIGS,
};

async function main(): Promise<void> {
  const started = Date.now();
  log(`bench: ${dbKind}${quick ? ' (quick)' : ''}, ${settings.connections} connections, ${settings.warmupS} s warm-up + ${settings.rounds} × ${settings.durationS} s`);
  const rows: RunResult['rows'] = [];
  const ratios: RunResult['ratios'] = [];

  if ([1, 2, 3, 4, 7, 'gateway'].some(only)) {
    const db = await createDatabase(dbKind);
    try {
      const seed = await seedBase(db);
      const kg = await startKeygate(db, {}, nodeArgs);
      try {
        const env: BenchEnv = {
          db: dbKind, settings, quick, seed, kg, rows, ratios, configs, log,
          accessToken: seed.accessToken, pat: seed.pat, tokenEndpoint: false,
        };
        await discoverTokens(env);
        await scenarioApi(env, only);
        if (only(7)) await scenarioRevocation(env, db);
        if (only('gateway')) await scenarioGateway(env);
      } finally {
        await kg.stop();
      }
    } finally {
      await db.drop();
    }
  }
  if (only(5)) await scenarioScale({ db: dbKind, settings, largeStore, rows, ratios, nodeArgs, log });
  if (only(6)) await scenarioClientList({ db: dbKind, quick, rows, ratios, log });
  if (only('purge')) await scenarioPurge({ db: dbKind, quick, rows, ratios, log });

  const run: RunResult = { db: dbKind, date: new Date().toISOString(), quick, settings, machine: machine(), rows, ratios, configs };
  process.stdout.write(`\n${printRun(run)}\n`);
  if (!values['no-write']) {
    writeResults(run);
    log(`\nwrote bench/results/latest.json and bench/results/latest.md (${Math.round((Date.now() - started) / 1000)} s)`);
  }
  if (values.profile) log(`CPU profiles of Keygate: ${profileDir} (summarise: npx tsx bench/profile-summary.ts <file>)`);
}

/**
 * Uses the public interfaces where this build has them: an access token from the password grant
 * (POST /oauth/token) and a PAT from POST /api/1.0/users/{id}/tokens. Otherwise the tokens seeded
 * through the store are used, and the rows say so.
 */
async function discoverTokens(env: BenchEnv): Promise<void> {
  const granted = await passwordGrant(env);
  if (granted) {
    env.tokenEndpoint = true;
    env.accessToken = granted.access;
  } else {
    env.configs['Keygate tokens'] = 'POST /oauth/token is not in this build: the access token and PAT were inserted through the token store.';
  }
  const res = await fetch(`${env.kg.base}/api/1.0/users/${env.seed.userId}/tokens`, {
    method: 'POST',
    headers: { authorization: `Bearer ${env.accessToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'bench', client_id: env.seed.clientId }),
  });
  const body = (await res.json().catch(() => ({}))) as { access_token?: string };
  if (res.status === 201 && body.access_token) env.pat = body.access_token;
  else env.configs['Keygate PAT'] = `POST /api/1.0/users/{id}/tokens answered ${res.status}: the PAT was inserted through the token store.`;
  for (const token of [env.accessToken, env.pat]) {
    if ((await getStatus(`${env.kg.base}/api/1.0/users/me`, token)) !== 200) throw new Error('Keygate refused the benchmark token');
  }
}

main()
  .catch((err: unknown) => {
    process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  })
  .finally(() => stopAll());
