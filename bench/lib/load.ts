/**
 * The load generator: autocannon in-process, the same settings for every system. Each
 * measurement is a warm-up followed by `rounds` rounds; the round with the median req/s is
 * reported (its latencies with it), and every round is kept in the JSON.
 */
import { readFileSync } from 'node:fs';
import autocannon, { type RequestSpec, type Result } from 'autocannon';

export interface LoadSettings {
  readonly connections: number;
  readonly durationS: number;
  readonly warmupS: number;
  readonly rounds: number;
}

export const FULL: LoadSettings = { connections: 32, durationS: 8, warmupS: 3, rounds: 3 };
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
  const cpuBefore = target.pid !== undefined ? cpuSeconds(target.pid) : null;
  const result: Result = await autocannon({ url: url.origin, connections, duration: durationS, requests: [request], timeout: 20 });
  const cpuAfter = target.pid !== undefined ? cpuSeconds(target.pid) : null;
  const cpuUs = cpuBefore !== null && cpuAfter !== null && result.requests.total > 0 ? Math.round(((cpuAfter - cpuBefore) * 1e6) / result.requests.total) : undefined;
  return {
    ...(cpuUs !== undefined ? { cpuUs } : {}),
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

export async function measure(target: Target, settings: LoadSettings): Promise<Measurement> {
  await target.beforeRound?.();
  await once(target, settings.connections, settings.warmupS);
  const rounds: Round[] = [];
  for (let i = 0; i < settings.rounds; i++) {
    await target.beforeRound?.();
    rounds.push(await once(target, settings.connections, settings.durationS));
  }
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
