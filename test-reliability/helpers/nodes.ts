/**
 * Keygate as separate processes (the built dist/main.js) over one database, plus an in-test
 * "operator" context on the same store to set things up (clients, tokens) the way another node
 * or the CLI would.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { createClient as createTestClient, freePort } from '../../test/helpers/app.js';
import { startProcess } from '../../test/helpers/spawn.js';
import type { TestDatabase } from '../../test/helpers/stores.js';
import { loadConfig } from '../../src/config.js';
import { createContext, type Context } from '../../src/context.js';
import type { ClientType } from '../../src/domain/client.js';
import { displayPrefix, hashSecret, issueSecret } from '../../src/domain/secret.js';

export interface Node {
  readonly baseUrl: string;
  readonly port: number;
  readonly child: ChildProcess;
  readonly env: Record<string, string>;
  stderr(): string;
  stdout(): string;
  /** Resident memory of the server process in bytes (Linux /proc). */
  rss(): number;
  /**
   * Resident memory the process itself holds (heap, native allocations: RssAnon + RssShmem),
   * without the pages of files it maps — SQLite's memory-mapped database file, which grows with
   * the database and which the kernel can drop at any time.
   */
  rssOwn(): number;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function startNode(db: TestDatabase, adminPassword: string, env: Record<string, string> = {}, port?: number): Promise<Node> {
  const p = port ?? (await freePort());
  const baseUrl = `http://127.0.0.1:${p}`;
  const fullEnv = { DATABASE_URL: db.url, PORT: String(p), HOST: '127.0.0.1', KEYGATE_ADMIN_PASSWORD: adminPassword, LOG_LEVEL: 'silent', ...env };
  const proc = await startProcess(fullEnv, baseUrl);
  return {
    baseUrl,
    port: p,
    child: proc.child,
    env: fullEnv,
    stderr: proc.stderr,
    stdout: proc.stdout,
    rss() {
      return statusKb(proc.child.pid, 'VmRSS') * 1024;
    },
    rssOwn() {
      return (statusKb(proc.child.pid, 'RssAnon') + statusKb(proc.child.pid, 'RssShmem')) * 1024;
    },
    async kill(signal = 'SIGTERM') {
      if (proc.child.exitCode !== null || proc.child.signalCode !== null) return proc.child.exitCode;
      proc.child.kill(signal);
      return proc.exited;
    },
  };
}

function statusKb(pid: number | undefined, field: string): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? '0');
}

export function generatePassword(): string {
  return randomBytes(15).toString('base64url');
}

/** A context on the same store, as another node or the CLI would hold. */
export async function operatorContext(db: TestDatabase, env: Record<string, string> = {}): Promise<Context> {
  return createContext(loadConfig({ DATABASE_URL: db.url, LOG_LEVEL: 'silent', ...env }));
}

export async function createClient(
  ctx: Context,
  name: string,
  types: ClientType[],
  options: { redirect?: string[]; confidential?: boolean; permissions?: string[] } = {},
): Promise<{ id: string; secret: string | null }> {
  const { client, secret } = await createTestClient(ctx, { name, types, redirect: options.redirect ?? [], confidential: options.confidential ?? true, permissions: options.permissions ?? [] });
  return { id: client.id, secret };
}

/** A personal access token for `userId`, stored the way the PAT service stores one (digest only). */
export async function insertPat(ctx: Context, clientId: string, userId: string, scopes: string[] = ['api']): Promise<string> {
  const raw = issueSecret('personalAccessToken');
  await ctx.tokens.insertToken({
    tokenHash: hashSecret(raw),
    kind: 'personal_access_token',
    prefix: displayPrefix(raw),
    name: `reliability-${raw.slice(-6)}`,
    clientId,
    userId,
    scopes,
    origin: 'personal_access',
    createdAt: Date.now(),
    expiresAt: null,
  });
  return raw;
}

export function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}
