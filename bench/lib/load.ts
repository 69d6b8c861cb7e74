/**
 * The load generator: autocannon in-process, the same settings for every system. Each
 * measurement is a warm-up followed by `rounds` rounds; the round with the median req/s is
 * reported (its latencies with it), and every round is kept in the JSON.
 *
 * Figures compared in a target are measured interleaved (`measureInterleaved`): every system
 * warms up, then round 1 of each, round 2 of each, and so on, each round starting with a
 * different system. This machine's speed drifts by up to 2x within minutes; measured one after
 * the other, two rows of a ratio could land in different phases of that drift (a PAT row 0.58x
 * of the access-token row that takes the very same code path), interleaved they share it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import autocannon, { type RequestSpec, type Result } from 'autocannon';

export interface LoadSettings {
  readonly connections: number;
  readonly durationS: number;
  readonly warmupS: number;
  readonly rounds: number;
}

export const FULL: LoadSettings = { connections: 32, durationS: 8, warmupS: 3, rounds: 5 };
export const QUICK: LoadSettings = { connections: 32, durationS: 2, warmupS: 1, rounds: 3 };

export interface Round {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly requests: number;
  readonly non2xx: number;
  readonly errors: number;
  /**
   * CPU time (user + system) the server process spent per request, in µs: far less sensitive
   * than req/s to other load on a shared machine, so it is what before/after comparisons use.
   */
  readonly cpuUs?: number;
  /** CPU time of the load generator (this process) per request, in µs: the share of the cores the server did not get. */
  readonly loadCpuUs?: number;
}

export interface Measurement extends Round {
  readonly rounds: Round[];
}

export interface Target {
  readonly url: string;
  readonly method?: 'GET' | 'POST';
  readonly headers?: Record<string, string>;
  readonly body?: string;
  /** Changes each request (a different token, a refresh token from a pool…). */
  readonly setupRequest?: RequestSpec['setupRequest'];
  readonly onResponse?: RequestSpec['onResponse'];
  /** Called before each round (warm-up included), e.g. to refill a pool. */
  readonly beforeRound?: () => Promise<void>;
  /** The server's pid, to measure its CPU time per request (Linux /proc). */
  readonly pid?: number;
  /** Count the CPU time of the server's child processes too (KEYGATE_WORKERS: the workers do the work). */
  readonly withChildren?: boolean;
}

/** utime + stime of a process in seconds, or null where /proc is not there. */
function cpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 of proc(5); the slice starts at field 3. Clock ticks are 100 Hz on Linux.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

/** The pid and, with `withChildren`, its direct children (Linux /proc/<pid>/task/<tid>/children). */
function processTree(pid: number, withChildren: boolean): number[] {
  if (!withChildren) return [pid];
  try {
    const children = readdirSync(`/proc/${pid}/task`).flatMap((tid) => readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number));
    return [pid, ...children];
  } catch {
    return [pid];
  }
}

function treeCpuSeconds(pids: number[]): number | null {
  let total = 0;
  for (const pid of pids) {
    const s = cpuSeconds(pid);
    if (s === null) return null;
    total += s;
  }
  return total;
}

async function once(target: Target, connections: number, durationS: number): Promise<Round> {
  const url = new URL(target.url);
  const request: RequestSpec = {
    method: target.method ?? 'GET',
    path: url.pathname + url.search,
    headers: target.headers ?? {},
    ...(target.body !== undefined ? { body: target.body } : {}),
    ...(target.setupRequest ? { setupRequest: target.setupRequest } : {}),
    ...(target.onResponse ? { onResponse: target.onResponse } : {}),
  };
  const pids = target.pid !== undefined ? processTree(target.pid, target.withChildren === true) : [];
  const cpuBefore = pids.length > 0 ? treeCpuSeconds(pids) : null;
  const loadBefore = process.cpuUsage();
  const result: Result = await autocannon({ url: url.origin, connections, duration: durationS, requests: [request], timeout: 20 });
  const load = process.cpuUsage(loadBefore);
  const cpuAfter = pids.length > 0 ? treeCpuSeconds(pids) : null;
  const total = result.requests.total;
  const cpuUs = cpuBefore !== null && cpuAfter !== null && total > 0 ? Math.round(((cpuAfter - cpuBefore) * 1e6) / total) : undefined;
  return {
    ...(cpuUs !== undefined ? { cpuUs } : {}),
    ...(total > 0 ? { loadCpuUs: Math.round((load.user + load.system) / total) } : {}),
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

export async function measure(target: Target, settings: LoadSettings): Promise<Measurement> {
  return (await measureInterleaved([target], settings))[0]!;
}

/** Several targets measured in alternation (see the top of this file); one Measurement per target, in order. */
export async function measureInterleaved(targets: readonly Target[], settings: LoadSettings): Promise<Measurement[]> {
  for (const target of targets) {
    await target.beforeRound?.();
    await once(target, settings.connections, settings.warmupS);
  }
  const rounds: Round[][] = targets.map(() => []);
  for (let i = 0; i < settings.rounds; i++) {
    for (let k = 0; k < targets.length; k++) {
      const j = (i + k) % targets.length;
      await targets[j]!.beforeRound?.();
      rounds[j]!.push(await once(targets[j]!, settings.connections, settings.durationS));
    }
  }
  return rounds.map(summarise);
}

/** req/s of a measurement with no failures, or undefined: a figure made of failures is no figure. */
export function cleanRps(m: Measurement | undefined): number | undefined {
  return m && m.non2xx === 0 && m.errors === 0 ? m.rps : undefined;
}

/** The log line of a measurement: req/s, latencies, failures if any. */
export function describeMeasurement(m: Measurement): string {
  return `${m.rps} req/s, p50 ${m.p50} ms, p99 ${m.p99} ms${m.non2xx + m.errors ? `, ${m.non2xx} non-2xx, ${m.errors} errors` : ''}`;
}

function summarise(rounds: Round[]): Measurement {
  const sorted = [...rounds].sort((a, b) => a.rps - b.rps);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  return {
    ...median,
    // Failures anywhere make the figure suspect: report the total over all rounds.
    non2xx: rounds.reduce((n, r) => n + r.non2xx, 0),
    errors: rounds.reduce((n, r) => n + r.errors, 0),
    rounds,
  };
}

/** Cycles through a list (distinct tokens per request). */
export function cycle<T>(items: readonly T[]): () => T {
  let i = 0;
  return () => {
    const item = items[i]!;
    i = (i + 1) % items.length;
    return item;
  };
}
