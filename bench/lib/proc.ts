/**
 * Child processes of the benchmark: every system under test runs in its own process, started
 * here and stopped by its pid (never by name). `stopAll()` runs on exit and on Ctrl-C, so no
 * benchmark process is left behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

export interface Proc {
  readonly name: string;
  readonly pid: number;
  readonly child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

const running = new Set<Proc>();

/** A free TCP port on 127.0.0.1 (the OS picks it; the child binds it a moment later). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface StartOptions {
  readonly name: string;
  readonly args: string[];
  readonly env?: Record<string, string>;
  /** Polled until it answers (any status below 500) or the deadline passes. */
  readonly readyUrl: string;
  readonly nodeArgs?: string[];
}

export async function startNode(options: StartOptions): Promise<Proc> {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), ...options.args], {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-8000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const proc: Proc = {
    name: options.name,
    pid: child.pid!,
    child,
    output: () => stderr,
    async stop() {
      running.delete(proc);
      if (child.exitCode !== null || child.signalCode !== null) return;
      process.kill(proc.pid, 'SIGTERM');
      const timer = setTimeout(() => {
        if (child.exitCode === null && child.signalCode === null) process.kill(proc.pid, 'SIGKILL');
      }, 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
  running.add(proc);
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${options.name} exited early (code ${child.exitCode}):\n${stderr}`);
    try {
      const res = await fetch(options.readyUrl);
      await res.arrayBuffer();
      if (res.status < 500) return proc;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  await proc.stop();
  throw new Error(`${options.name} did not answer ${options.readyUrl} within 30 s:\n${stderr}`);
}

export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((p) => p.stop()));
}

process.once('SIGINT', () => {
  void stopAll().finally(() => process.exit(130));
});
process.once('exit', () => {
  for (const p of running) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});
