/** Results: the printed table, bench/results/latest.json and the Markdown the README links. */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import type { LoadSettings, Measurement } from './load.js';

export interface Row {
  readonly scenario: string;
  readonly system: string;
  readonly what: string;
  readonly m?: Measurement;
  /** Figures that are not req/s (latencies in ms, counts). */
  readonly figures?: Record<string, number | string>;
  readonly note?: string;
}

export interface Ratio {
  readonly scenario: string;
  readonly target: string;
  readonly measured: string;
  readonly ratio: number | null;
  readonly required: number;
  readonly aim?: number;
  /** "lower" when smaller is better (latency, revocation delay). */
  readonly better?: 'higher' | 'lower';
  readonly met: boolean | null;
}

export interface RunResult {
  readonly db: string;
  readonly date: string;
  readonly quick: boolean;
  readonly settings: LoadSettings;
  readonly machine: Machine;
  readonly rows: Row[];
  readonly ratios: Ratio[];
  readonly configs: Record<string, string>;
}

export interface Machine {
  readonly nproc: number;
  readonly cpu: string;
  readonly memoryGiB: number;
  readonly node: string;
  readonly platform: string;
  readonly keygateCommit: string;
}

export function machine(): Machine {
  let nproc = cpus().length;
  try {
    nproc = Number(execFileSync('nproc', { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()) || nproc;
  } catch {
    // nproc is not everywhere
  }
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    if (dirty) commit += ' + uncommitted changes in src/';
  } catch {
    // not a git checkout
  }
  return {
    nproc,
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    keygateCommit: commit,
  };
}

export function ratio(scenario: string, target: string, value: number | undefined, base: number | undefined, required: number, aim?: number): Ratio {
  const r = value !== undefined && base !== undefined && base > 0 ? value / base : null;
  return {
    scenario,
    target,
    measured: r === null ? 'n/a' : `${fmt(value!)} / ${fmt(base!)}`,
    ratio: r === null ? null : Math.round(r * 100) / 100,
    required,
    ...(aim !== undefined ? { aim } : {}),
    met: r === null ? null : r >= required,
  };
}

/** A target on an absolute figure where lower is better (p95 ms, revocation delay). */
export function limit(scenario: string, target: string, value: number | undefined, max: number, unit: string): Ratio {
  return {
    scenario,
    target,
    measured: value === undefined ? 'n/a' : `${value} ${unit}`,
    ratio: value ?? null,
    required: max,
    better: 'lower',
    met: value === undefined ? null : value < max,
  };
}

function fmt(n: number): string {
  return n >= 1000 ? Math.round(n).toLocaleString('en-US') : String(Math.round(n * 100) / 100);
}

function rowCells(r: Row): string[] {
  const figures = r.figures ? Object.entries(r.figures).map(([k, v]) => `${k} ${v}`).join(', ') : '';
  const failures = r.m && r.m.non2xx + r.m.errors > 0 ? ` ⚠ ${r.m.non2xx} non-2xx, ${r.m.errors} errors` : '';
  return [
    r.scenario,
    r.system,
    r.what,
    r.m ? fmt(r.m.rps) : '',
    r.m ? `${r.m.p50}` : '',
    r.m ? `${r.m.p99}` : '',
    r.m?.cpuUs !== undefined ? `${r.m.cpuUs}` : '',
    r.m?.loadCpuUs !== undefined ? `${r.m.loadCpuUs}` : '',
    [figures, r.note ?? '', failures].filter(Boolean).join('; '),
  ];
}

function verdict(r: Ratio): string {
  if (r.met === null) return 'not measured';
  if (r.better === 'lower') return r.met ? 'met' : 'MISSED';
  if (!r.met) return 'MISSED';
  return r.aim !== undefined && r.ratio! < r.aim ? 'met (below aim)' : 'met';
}

function ratioCells(r: Ratio): string[] {
  const need = r.better === 'lower' ? `< ${r.required}` : `≥ ${r.required}×${r.aim !== undefined ? ` (aim ${r.aim}×)` : ''}`;
  return [r.scenario, r.target, r.measured, r.better === 'lower' ? '' : r.ratio === null ? 'n/a' : `${r.ratio}×`, need, verdict(r)];
}

const ROW_HEAD = ['#', 'system', 'what', 'req/s', 'p50 ms', 'p99 ms', 'server CPU µs/req', 'load generator CPU µs/req', 'notes'];
const RATIO_HEAD = ['#', 'target', 'measured', 'ratio', 'needed', 'verdict'];

function textTable(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function mdTable(head: string[], rows: string[][]): string {
  const esc = (c: string) => c.replace(/\|/g, '\\|');
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`)].join('\n');
}

export function printRun(run: RunResult): string {
  return [
    `Keygate benchmark on ${run.db} — ${run.date}${run.quick ? ' (QUICK: short rounds, figures are indicative only)' : ''}`,
    `${run.machine.nproc} cores, ${run.machine.cpu}, ${run.machine.memoryGiB} GiB, Node ${run.machine.node}`,
    '',
    textTable(ROW_HEAD, run.rows.map(rowCells)),
    '',
    textTable(RATIO_HEAD, run.ratios.map(ratioCells)),
  ].join('\n');
}

export function markdown(runs: RunResult[]): string {
  const out = ['# Keygate benchmark results', '', 'Generated by `npm run bench` (bench/run.ts); see docs/performance.md for the method and the design.', ''];
  for (const run of runs) {
    const m = run.machine;
    out.push(
      `## Keygate on ${run.db}`,
      '',
      `- date: ${run.date}${run.quick ? ' — **quick run** (short rounds; indicative only)' : ''}`,
      `- machine: ${m.nproc} cores (\`nproc\`), ${m.cpu}, ${m.memoryGiB} GiB, ${m.platform}, Node ${m.node}, Keygate ${m.keygateCommit}`,
      `- load: autocannon in-process, ${run.settings.connections} connections, ${run.settings.warmupS} s warm-up, ${run.settings.rounds} rounds of ${run.settings.durationS} s, median round reported; the load generator shares the cores (its own CPU per request is a column); the systems a target compares run at once and their rounds alternate`,
      '',
      '### Targets',
      '',
      mdTable(RATIO_HEAD, run.ratios.map(ratioCells)),
      '',
      '### All measurements',
      '',
      mdTable(ROW_HEAD, run.rows.map(rowCells)),
      '',
      '### How each system was configured',
      '',
      ...Object.entries(run.configs).map(([k, v]) => `- **${k}**: ${v}`),
      '',
    );
  }
  return out.join('\n');
}

export const RESULTS_DIR = join(process.cwd(), 'bench', 'results');

/** Writes latest.json/latest.md, keeping the other store's last run (sqlite and postgres run separately). */
export function writeResults(run: RunResult): void {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const jsonPath = join(RESULTS_DIR, 'latest.json');
  let runs: Record<string, RunResult> = {};
  if (existsSync(jsonPath)) {
    try {
      runs = (JSON.parse(readFileSync(jsonPath, 'utf8')) as { runs?: Record<string, RunResult> }).runs ?? {};
    } catch {
      runs = {};
    }
  }
  runs[run.db] = run;
  writeFileSync(jsonPath, JSON.stringify({ generatedBy: 'npm run bench', runs }, null, 2) + '\n');
  const ordered = ['sqlite', 'postgres'].map((k) => runs[k]).filter((r): r is RunResult => r !== undefined);
  writeFileSync(join(RESULTS_DIR, 'latest.md'), markdown(ordered));
}
