/**
 * Runs the server: open and migrate the store, bootstrap an empty one, listen, and shut down
 * gracefully on SIGTERM/SIGINT (in-flight requests finish, then the store closes).
 */
import { bootstrapIfEmpty } from './bootstrap.js';
import type { Config } from './config.js';
import { createContext } from './context.js';
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

export async function serve(config: Config): Promise<void> {
  await checkDependencies(config);
  let ctx;
  try {
    // The key file comes first (SQLite without KEYGATE_SECRET_KEY): worker processes only read it.
    prepareKeyFile(config);
    ctx = await createContext(config, { housekeeping: true });
  } catch (err) {
    process.stderr.write(`keygate: cannot open the store ${describeDb(config)}: ${(err as Error).message}\n`);
    process.exit(1);
  }
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
  const log = createServerLogger(config.logLevel);
  // Queued log lines are written out however the process ends (process.exit included).
  process.on('exit', () => log.flush());
  const app = await buildApp(ctx, { logger: log.logger, accessLog: log.access });
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (err) {
    process.stderr.write(`keygate: cannot listen on ${config.host}:${config.port}: ${(err as Error).message}\n`);
    await ctx.close();
    process.exit(1);
  }
  app.log.info({ issuer: config.issuer, database: config.database.kind }, 'keygate ready');

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
