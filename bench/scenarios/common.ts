/** What every scenario gets: settings, the seeded Keygate, its running server and the result rows. */
import type { DbKind, KeygateServer, Seed } from '../lib/keygate.js';
import { describeMeasurement, measureInterleaved, type LoadSettings, type Measurement, type Target } from '../lib/load.js';
import { basicAuth } from '../lib/peers.js';
import type { Ratio, Row } from '../lib/report.js';

export interface BenchEnv {
  readonly db: DbKind;
  readonly settings: LoadSettings;
  readonly quick: boolean;
  readonly seed: Seed;
  readonly kg: KeygateServer;
  readonly rows: Row[];
  readonly ratios: Ratio[];
  readonly configs: Record<string, string>;
  /** Tokens for the API calls: from POST /oauth/token and the PAT API when they exist. */
  accessToken: string;
  pat: string;
  tokenEndpoint: boolean;
  log(line: string): void;
}

export const FORM = 'application/x-www-form-urlencoded';

/** One row of a scenario: what is measured and how it is labelled. */
export interface BenchEntry {
  readonly scenario: string;
  readonly system: string;
  readonly what: string;
  readonly target: Target;
  readonly note?: string;
}

/**
 * Measures the entries interleaved (bench/lib/load.ts), so the figures a ratio compares share the
 * machine's drift; records a row for each and returns the measurements in the entries' order.
 */
export async function recordAll(env: BenchEnv, entries: readonly BenchEntry[]): Promise<Measurement[]> {
  if (entries.length === 0) return [];
  env.log(`  interleaved: ${entries.map((e) => `${e.scenario} ${e.system}: ${e.what}`).join(' · ')}…`);
  const ms = await measureInterleaved(entries.map((e) => e.target), env.settings);
  entries.forEach((e, i) => {
    const m = ms[i]!;
    env.rows.push({ scenario: e.scenario, system: e.system, what: e.what, m, ...(e.note ? { note: e.note } : {}) });
    env.log(`    ${e.system}, ${e.what}: ${describeMeasurement(m)}`);
  });
  return ms;
}

export function clientBasic(env: BenchEnv): string {
  return basicAuth(env.seed.clientId, env.seed.clientSecret);
}

export async function postForm(url: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': FORM, ...headers }, body: new URLSearchParams(form).toString() });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = { raw: text.slice(0, 200) };
  }
  return { status: res.status, json };
}

export async function getStatus(url: string, token: string): Promise<number> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  await res.arrayBuffer();
  return res.status;
}

/** The password grant for the bench user: an access token and a refresh token, or null when the grant is not there yet. */
export async function passwordGrant(env: BenchEnv): Promise<{ access: string; refresh: string | null } | null> {
  const { status, json } = await postForm(
    `${env.kg.base}/oauth/token`,
    { grant_type: 'password', username: env.seed.username, password: env.seed.password, scope: 'api' },
    { authorization: clientBasic(env) },
  );
  if (status !== 200 || typeof json.access_token !== 'string') return null;
  return { access: json.access_token, refresh: typeof json.refresh_token === 'string' ? json.refresh_token : null };
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

export function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}
