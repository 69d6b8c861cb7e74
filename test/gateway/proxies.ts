/**
 * Real reverse proxies for the gateway tests: Debian's nginx and caddy started on free loopback
 * ports with the configurations of examples/gateway/ (their addresses replaced by the test's),
 * in front of the example upstream that echoes the headers it received. Everything they write
 * (pid, logs, Caddy's HOME and XDG folders) stays in a temp dir removed at stop.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../helpers/app.js';

export const NGINX = '/usr/sbin/nginx';
export const CADDY = '/usr/bin/caddy';
export const REQUIRE_PROXIES = process.env.KEYGATE_REQUIRE_PROXIES === '1';
export type ProxyKind = 'nginx' | 'Caddy';

const EXAMPLES = join(process.cwd(), 'examples', 'gateway');

/** Why a proxy suite cannot run here (null: it can); throws when the proxies are required. */
export function proxySkipReason(kind: ProxyKind): string | null {
  const binary = kind === 'nginx' ? NGINX : CADDY;
  if (existsSync(binary)) return null;
  const reason = `${binary} is not installed (apt-get install ${kind === 'nginx' ? 'nginx' : 'caddy'}); the ${kind} gateway suite is skipped`;
  if (REQUIRE_PROXIES) throw new Error(`KEYGATE_REQUIRE_PROXIES=1 but ${reason}`);
  console.log(`# ${reason}`);
  return reason;
}

async function waitForPort(port: number, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`exited early (${child.exitCode}): ${output()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listens on ${port}: ${output()}`);
}

export interface Running {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

function started(child: ChildProcess, port: number, dir: string | null): { output: () => string; running: Running } {
  let output = '';
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  return {
    output: () => output,
    running: {
      url: `http://127.0.0.1:${port}`,
      port,
      async stop() {
        if (child.exitCode === null) child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
        if (dir) rmSync(dir, { recursive: true, force: true });
      },
    },
  };
}

/** The example upstream (examples/gateway/upstream.mjs) on a free port. */
export async function startUpstream(): Promise<Running> {
  const port = await freePort();
  const child = spawn(process.execPath, [join(EXAMPLES, 'upstream.mjs')], { env: { ...process.env, PORT: String(port) }, stdio: 'pipe' });
  const { output, running } = started(child, port, null);
  await waitForPort(port, child, output);
  return running;
}

/** An example configuration with the test's addresses in place of 8080 (Keygate), 9000 (the API) and 8000 (the proxy). */
export function exampleConfig(file: string, ports: { keygate: number; upstream: number; proxy: number }): string {
  return readFileSync(join(EXAMPLES, file), 'utf8')
    .replaceAll('127.0.0.1:8080', `127.0.0.1:${ports.keygate}`)
    .replaceAll('127.0.0.1:9000', `127.0.0.1:${ports.upstream}`)
    .replaceAll('127.0.0.1:8000', `127.0.0.1:${ports.proxy}`);
}

export async function startProxy(kind: ProxyKind, ports: { keygate: number; upstream: number }): Promise<Running> {
  const port = await freePort();
  const all = { ...ports, proxy: port };
  const dir = mkdtempSync(join(tmpdir(), `keygate-${kind.toLowerCase()}-`));
  let child: ChildProcess;
  if (kind === 'nginx') {
    mkdirSync(join(dir, 'tmp'));
    writeFileSync(join(dir, 'nginx.conf'), exampleConfig('nginx.conf', all));
    writeFileSync(join(dir, 'keygate-identity.conf'), exampleConfig('keygate-identity.conf', all));
    // -p: every relative path (pid, temp files, includes) in the temp dir; -e: no default error log.
    child = spawn(NGINX, ['-p', `${dir}/`, '-c', 'nginx.conf', '-e', 'stderr'], { stdio: 'pipe' });
  } else {
    writeFileSync(join(dir, 'Caddyfile'), exampleConfig('Caddyfile', all));
    const env = { ...process.env, HOME: dir, XDG_CONFIG_HOME: join(dir, 'config'), XDG_DATA_HOME: join(dir, 'data') };
    child = spawn(CADDY, ['run', '--config', join(dir, 'Caddyfile'), '--adapter', 'caddyfile'], { env, stdio: 'pipe' });
  }
  const { output, running } = started(child, port, dir);
  await waitForPort(port, child, output);
  return running;
}
