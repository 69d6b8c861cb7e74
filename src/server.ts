/**
 * Runs the server: wait for the store, open and migrate it, bootstrap an empty one, listen, and
 * shut down gracefully on SIGTERM/SIGINT (in-flight requests finish, then the store closes).
 */
import cluster from 'node:cluster';
import { bootstrapIfEmpty } from './bootstrap.js';
import { runPrimary, workerLink, type WorkerLink } from './cluster.js';
import type { Config } from './config.js';
import { createContext, type Context, type ContextOptions } from './context.js';
import { buildApp } from './http/app.js';
import { createServerLogger } from './http/logger.js';
import { prepareKeyFile } from './store/key-file.js';
import { STORED_KEYS_WARNING } from './store/settings-store.js';
import { checkRedis, waitForPostgres } from './store/wait.js';

/**
 * PostgreSQL (waited for, KEYGATE_DB_WAIT) and Redis must answer before anything else runs; an
 * unreachable one ends the process with one line naming its setting and exit code 1.
 */
export async function checkDependencies(config: Config): Promise<void> {
  try {
    if (config.database.kind === 'postgres') {
      await waitForPostgres(config.database.url, config.dbWaitSeconds, (line) => process.stderr.write(`keygate: ${line}\n`));
    }
    if (config.redisUrl !== undefined) await checkRedis(config.redisUrl);
  } catch (err) {
    process.stderr.write(`keygate: ${(err as Error).message}\n`);
    process.exit(1);
  }
}

/**
 * `npm start`: one server process, or with KEYGATE_WORKERS above 1 a primary that prepares the
 * store once and forks the workers (src/cluster.ts), each of which runs `serveProcess`.
 */
export async function serve(config: Config): Promise<void> {
  if (cluster.isWorker) return serveProcess(config, workerLink());
  await checkDependencies(config);
  if (config.workers <= 1) return serveProcess(config, null);
  // The primary migrates, bootstraps and prepares the key file once, before any worker starts.
  const ctx = await openContext(config, { listen: false });
  await announceBootstrap(ctx, config);
  await ctx.close();
  const log = createServerLogger(config.logLevel);
  process.on('exit', () => log.flush());
  await runPrimary(config, (fields, message) => log.logger.info(fields, message));
}

/** Opens (and migrates) the store, or ends the process with one line. */
async function openContext(config: Config, options: ContextOptions): Promise<Context> {
  try {
    // The key file comes first (SQLite without KEYGATE_SECRET_KEY): worker processes only read it.
    prepareKeyFile(config);
    return await createContext(config, options);
  } catch (err) {
    process.stderr.write(`keygate: cannot open the store ${describeDb(config)}: ${(err as Error).message}\n`);
    process.exit(1);
  }
}

/** The stored-keys warning, and the first start's administrator password, once, to the terminal. */
async function announceBootstrap(ctx: Context, config: Config): Promise<void> {
  if (ctx.webKeys.source === 'stored') process.stderr.write(`keygate: warning: ${STORED_KEYS_WARNING}\n`);
  const boot = await bootstrapIfEmpty(ctx);
  if (boot.notice) process.stderr.write(`keygate: ${boot.notice}\n`);
  if (boot.generatedPassword) {
    // Printed once, to the terminal only: never to the JSON log stream.
    process.stderr.write(
      `\nKeygate created the administrator "${boot.username}" with the password:\n\n    ${boot.generatedPassword}\n\n` +
        `It is shown only this once. Log in at ${config.issuer}/login and keep it somewhere safe.\n\n`,
    );
  }
}

/** One server process: listen, serve, and drain on SIGTERM/SIGINT. `link`: this is a worker. */
async function serveProcess(config: Config, link: WorkerLink | null): Promise<void> {
  const ctx = await openContext(config, { housekeeping: true, peers: link?.peers });
  if (link === null) await announceBootstrap(ctx, config);
  link?.shareRegistry(ctx.metrics.registry);
  const log = createServerLogger(config.logLevel);
  // Queued log lines are written out however the process ends (process.exit included).
  process.on('exit', () => log.flush());
  const app = await buildApp(ctx, { logger: log.logger, accessLog: log.access, scrapeMetrics: link ? () => link.scrapeMetrics() : undefined });
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (err) {
    process.stderr.write(`keygate: cannot listen on ${config.host}:${config.port}: ${(err as Error).message}\n`);
    await ctx.close();
    process.exit(1);
  }
  app.log.info({ issuer: config.issuer, database: config.database.kind, ...(link ? { worker: cluster.worker?.id } : {}) }, 'keygate ready');

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) {
      process.exit(1);
    }
    stopping = true;
    app.log.info({ signal }, 'shutting down: finishing in-flight requests');
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    // Requests in flight finish; keep-alive connections that fall idle afterwards are closed
    // as they do, so a client holding one open cannot hold up the shutdown.
    const sweep = setInterval(() => app.server.closeIdleConnections(), 50);
    sweep.unref();
    try {
      await app.close();
      await ctx.close();
    } finally {
      process.exit(0);
    }
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

function describeDb(config: Config): string {
  return config.database.kind === 'sqlite' ? `at ${config.database.path}` : '(PostgreSQL)';
}
