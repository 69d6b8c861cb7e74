/**
 * Scenario 6 (client list at 100,000 clients) and the purge figures come from scripts other
 * engineers own (bench/client-list.ts, bench/purge.ts). The runner starts each as a child
 * process when it exists, passes the store kind, and reads the last JSON line it prints.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PG_ADMIN_URL, type DbKind } from '../lib/keygate.js';
import { limit, type Ratio, type Row } from '../lib/report.js';

export interface ExternalOptions {
  readonly db: DbKind;
  readonly quick: boolean;
  readonly rows: Row[];
  readonly ratios: Ratio[];
  log(line: string): void;
}

function runScript(file: string, args: string[], env: Record<string, string | undefined>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The last line of stdout that parses as a JSON object. */
function lastJson(stdout: string): Record<string, unknown> | null {
  const lines = stdout.trim().split('\n').reverse();
  for (const line of lines) {
    try {
      const v = JSON.parse(line) as unknown;
      if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
    } catch {
      // not JSON
    }
  }
  try {
    const v = JSON.parse(stdout) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // not one JSON document either
  }
  return null;
}

function flatFigures(obj: Record<string, unknown>): Record<string, number | string> {
  const out: Record<string, number | string> = {};
  for (const [k, v] of Object.entries(obj)) if (typeof v === 'number' || typeof v === 'string') out[k] = v;
  return out;
}

async function external(o: ExternalOptions, scenario: string, file: string, what: string, args: string[], env: Record<string, string | undefined>): Promise<Record<string, unknown> | null> {
  const path = join(process.cwd(), 'bench', file);
  if (!existsSync(path)) {
    o.rows.push({ scenario, system: 'Keygate', what, note: `bench/${file} does not exist yet` });
    return null;
  }
  o.log(`  ${scenario} ${what} (bench/${file} ${args.join(' ')})…`);
  const res = await runScript(path, args, env);
  const json = res.code === 0 ? lastJson(res.stdout) : null;
  if (!json) {
    const why = res.code === 0 ? 'printed no JSON' : `exited ${res.code}: ${res.stderr.trim().split('\n').slice(-3).join(' ')}`;
    o.rows.push({ scenario, system: 'Keygate', what, note: `bench/${file} ${why}` });
    return null;
  }
  return json;
}

interface ClientListResult {
  store: string;
  scenario: string;
  matches: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
}

/** bench/client-list.ts runs SQLite always and PostgreSQL when BENCH_DATABASE_URL is set; we keep this run's store. */
export async function scenarioClientList(o: ExternalOptions): Promise<void> {
  const args = ['--json', ...(o.quick ? ['--requests', '100'] : [])];
  const env = o.db === 'postgres' ? { BENCH_DATABASE_URL: PG_ADMIN_URL } : { BENCH_DATABASE_URL: undefined, TEST_DATABASE_URL: undefined };
  const json = await external(o, '6', 'client-list.ts', 'client list at 100,000 clients', args, env);
  const results = ((json?.results ?? []) as ClientListResult[]).filter((r) => r.store === o.db);
  for (const r of results) {
    o.rows.push({
      scenario: '6',
      system: 'Keygate',
      what: `GET /api/1.0/oauth/clients at ${Number(json!.clients).toLocaleString('en-US')} clients: ${r.scenario}`,
      figures: { matches: r.matches, 'p50 ms': r.p50_ms, 'p95 ms': r.p95_ms, 'p99 ms': r.p99_ms },
      note: `${String(json!.requests)} sequential requests (bench/client-list.ts)`,
    });
  }
  const worst = (rs: ClientListResult[]) => (rs.length > 0 ? Math.max(...rs.map((r) => r.p95_ms)) : undefined);
  o.ratios.push(limit('6', 'client list p95 at 100,000 clients, worst of all its scenarios', worst(results), 20, 'ms'));
  // Filters of one or two characters cannot use a trigram index: reported above, and apart here.
  const indexed = results.filter((r) => !/no index/i.test(r.scenario));
  if (indexed.length < results.length) o.ratios.push(limit('6', 'client list p95 at 100,000 clients, scenarios that can use an index', worst(indexed), 20, 'ms'));
}

export async function scenarioPurge(o: ExternalOptions): Promise<void> {
  const args = ['--db', o.db, '--json', ...(o.quick ? ['--rows', '100000'] : [])];
  const json = await external(o, 'purge', 'purge.ts', 'tokens:purge', args, { BENCH_DATABASE_URL: PG_ADMIN_URL });
  if (json) o.rows.push({ scenario: 'purge', system: 'Keygate', what: 'npx keygate tokens:purge while the server answers API calls (bench/purge.ts)', figures: flatFigures(json) });
}
