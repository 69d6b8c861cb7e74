/**
 * Start-up checks of the services the server depends on, so that an unreachable one is refused
 * with one line naming its setting instead of a stack of driver errors later. PostgreSQL is
 * waited for (KEYGATE_DB_WAIT seconds), for orchestrators that start the database and Keygate
 * at the same time; Redis is checked once.
 */
import pg from 'pg';
import { pingRedis } from './throttle-store.js';

const RETRY_EVERY_MS = 500;

/** `host:port` of a URL, without its user, password or database. */
export function describeEndpoint(url: string): string {
  try {
    const u = new URL(url);
    return u.port ? `${u.hostname}:${u.port}` : u.hostname;
  } catch {
    return 'an unreadable address';
  }
}

async function postgresAnswers(url: string, timeoutMs: number): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('select 1');
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Resolves once PostgreSQL at `url` answers; retries for `waitSeconds` (calling `onWaiting` once,
 * on the first failure), then rejects with an Error whose message is the one line to print.
 */
export async function waitForPostgres(url: string, waitSeconds: number, onWaiting: (line: string) => void): Promise<void> {
  const deadline = Date.now() + waitSeconds * 1000;
  let announced = false;
  for (;;) {
    try {
      await postgresAnswers(url, Math.max(1000, Math.min(5000, deadline - Date.now())));
      return;
    } catch (err) {
      if (Date.now() + RETRY_EVERY_MS > deadline) {
        throw new Error(`cannot reach PostgreSQL at ${describeEndpoint(url)} (DATABASE_URL) after waiting ${waitSeconds} s (KEYGATE_DB_WAIT): ${(err as Error).message}`);
      }
      if (!announced) {
        announced = true;
        onWaiting(`waiting up to ${waitSeconds} s (KEYGATE_DB_WAIT) for PostgreSQL at ${describeEndpoint(url)} (DATABASE_URL): ${(err as Error).message}`);
      }
      await new Promise((resolve) => setTimeout(resolve, RETRY_EVERY_MS));
    }
  }
}

/** Resolves when Redis answers; rejects with the one line to print otherwise. */
export async function checkRedis(url: string): Promise<void> {
  try {
    await pingRedis(url);
  } catch (err) {
    throw new Error(`cannot reach Redis at ${describeEndpoint(url)} (REDIS_URL): ${(err as Error).message}`);
  }
}
