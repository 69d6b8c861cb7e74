/**
 * Shared helpers of the reliability suite (test-reliability/): run sizes, printed figures, a raw
 * HTTP client (any bytes, any headers, any local address) and the console's route list.
 * The servers, databases and cookie client come from test/helpers.
 */
import { request as httpRequest, type Agent } from 'node:http';

/** KEYGATE_RELIABILITY_FULL=1 runs the full sizes (100,000 fuzzed requests, ten crash rounds…). */
export const FULL = process.env.KEYGATE_RELIABILITY_FULL === '1';

export function size(ci: number, full: number): number {
  const override = Number(process.env.KEYGATE_RELIABILITY_SCALE ?? '');
  const base = FULL ? full : ci;
  return Number.isFinite(override) && override > 0 ? Math.max(1, Math.round(base * override)) : base;
}

/** A measured figure, printed as a TAP comment line so it shows in the test output. */
export function figure(label: string, value: string | number): void {
  // Under node:test the TAP reporter already prefixes stdout lines with "# ".
  console.log(process.env.NODE_TEST_CONTEXT ? `${label}: ${value}` : `# ${label}: ${value}`);
}

export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
  text(): string;
}

export interface RawRequest {
  readonly method?: string;
  readonly path: string;
  /** Header pairs; a name may repeat (duplicate headers). */
  readonly headers?: ReadonlyArray<readonly [string, string]>;
  readonly body?: Buffer | string;
  /** Local source address, e.g. 127.0.0.2, to act as another client IP over loopback. */
  readonly localAddress?: string;
  readonly timeoutMs?: number;
  /** A keep-alive agent to reuse connections (the default opens one connection per request). */
  readonly agent?: Agent;
}

/** One HTTP/1.1 request with exactly the bytes and headers given (no normalisation by fetch). */
export function rawRequest(baseUrl: string, req: RawRequest): Promise<RawResponse> {
  const url = new URL(baseUrl);
  const body = req.body === undefined ? undefined : Buffer.isBuffer(req.body) ? req.body : Buffer.from(req.body);
  const flat: string[] = [];
  // With raw header pairs Node adds no Host header; HTTP/1.1 requires one.
  if (!(req.headers ?? []).some(([k]) => k.toLowerCase() === 'host')) flat.push('host', url.host);
  for (const [k, v] of req.headers ?? []) flat.push(k, v);
  if (body !== undefined && !(req.headers ?? []).some(([k]) => k.toLowerCase() === 'content-length')) flat.push('content-length', String(body.length));
  return new Promise((resolve, reject) => {
    const r = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method: req.method ?? 'GET',
        path: req.path,
        headers: flat,
        agent: req.agent ?? false,
        ...(req.localAddress ? { localAddress: req.localAddress } : {}),
        timeout: req.timeoutMs ?? 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const buf = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: buf, text: () => buf.toString('utf8') });
        });
        res.on('error', reject);
      },
    );
    r.on('timeout', () => r.destroy(new Error(`timeout: ${req.method ?? 'GET'} ${req.path}`)));
    r.on('error', reject);
    if (body !== undefined) r.write(body);
    r.end();
  });
}

export interface RouteEntry {
  readonly path: string;
  readonly methods: string[];
}

/** Every route of a Fastify app, from `printRoutes({ commonPrefix: false })`. */
export function listRoutes(tree: string): RouteEntry[] {
  const out: RouteEntry[] = [];
  const stack: string[] = [];
  for (const line of tree.split('\n')) {
    const m = /^([│ ]*)(?:[├└]── )?(\S.*?)(?: \(([A-Z, ]+)\))?$/.exec(line.replace(/\s+$/, ''));
    if (!m || !m[2]) continue;
    const indent = line.search(/[├└]/);
    const level = indent < 0 ? 0 : indent / 4;
    stack.length = level;
    const path = (level > 0 ? stack[level - 1]! : '') + m[2];
    stack[level] = path;
    if (m[3]) out.push({ path: path.startsWith('/') ? path : `/${path}`, methods: m[3].split(',').map((s) => s.trim()) });
  }
  return out;
}

/** Replaces `:param` segments with a value (a random UUID by default). */
export function fillParams(path: string, value = '00000000-0000-4000-8000-000000000000'): string {
  return path.replace(/:[A-Za-z_]+/g, value).replace(/\*$/, 'x');
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
