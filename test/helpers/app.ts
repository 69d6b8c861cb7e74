/**
 * Starts Keygate in-process on a real port (listen on 127.0.0.1 with the issuer set from that
 * port) over a fresh database, with a generated administrator password.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { bootstrapIfEmpty } from '../../src/bootstrap.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createContext, type Context } from '../../src/context.js';
import type { Client, ClientType } from '../../src/domain/client.js';
import type { ClientRequest } from '../../src/domain/client-rules.js';
import { CLI_ACTOR } from '../../src/services/actor.js';
import { buildApp, type AppOptions } from '../../src/http/app.js';
import { createTestDatabase, type StoreKind, type TestDatabase } from './stores.js';

export interface TestServer {
  readonly kind: StoreKind;
  readonly baseUrl: string;
  readonly app: FastifyInstance;
  readonly ctx: Context;
  readonly config: Config;
  readonly db: TestDatabase;
  readonly admin: { readonly id: string; readonly username: string; readonly password: string };
  /** Stops the server; with `keepDatabase` the database stays for a restart. */
  close(options?: { keepDatabase?: boolean }): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface StartOptions {
  readonly env?: Record<string, string>;
  /** Reuse a database (e.g. to show data survives a restart). */
  readonly db?: TestDatabase;
  readonly adminPassword?: string;
  /** The clock the server's services and token check read (tests move it instead of sleeping). */
  readonly now?: () => number;
  /** A pino logger for the app (src/http/logger.ts); by default nothing is logged. */
  readonly logger?: FastifyBaseLogger;
  readonly accessLog?: AppOptions['accessLog'];
}

export async function startServer(kind: StoreKind, options: StartOptions = {}): Promise<TestServer> {
  const db = options.db ?? (await createTestDatabase(kind));
  const adminPassword = options.adminPassword ?? randomBytes(12).toString('base64url');
  // The issuer holds the port, so the port is chosen before the server listens: another process
  // (or an outgoing connection's ephemeral port) can take it in between. Then start again on another.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const config = loadConfig({
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: db.url,
      KEYGATE_ADMIN_USERNAME: 'admin',
      KEYGATE_ADMIN_PASSWORD: adminPassword,
      LOG_LEVEL: 'silent',
      ...options.env,
    });
    const ctx = await createContext(config, options.now ? { now: options.now } : {});
    let app: Awaited<ReturnType<typeof buildApp>> | undefined;
    try {
      await bootstrapIfEmpty(ctx);
      app = await buildApp(ctx, { logger: options.logger, accessLog: options.accessLog });
      await app.listen({ port, host: '127.0.0.1' });
    } catch (err) {
      await app?.close();
      await ctx.close();
      if ((err as { code?: string }).code === 'EADDRINUSE' && attempt < 5) continue;
      if (!options.db) await db.drop();
      throw err;
    }
    const admin = (await ctx.users.findByUsername('admin'))!;
    const started = app;
    return {
      kind,
      baseUrl: config.issuer,
      app: started,
      ctx,
      config,
      db,
      admin: { id: admin.id, username: 'admin', password: adminPassword },
      async close(closeOptions = {}) {
        await started.close();
        await ctx.close();
        if (!closeOptions.keepDatabase) await db.drop();
      },
    };
  }
}

/** Creates a user through the users service, as the CLI would. */
export async function createUser(
  ctx: Pick<Context, 'services'>,
  input: { username: string; password?: string; administrator?: boolean; permissions?: string[] },
): Promise<{ id: string; username: string; password: string }> {
  const password = input.password ?? randomBytes(12).toString('base64url');
  const user = await ctx.services.users.create(CLI_ACTOR, {
    username: input.username,
    password,
    administrator: input.administrator ?? false,
    permissions: input.permissions ?? [],
  });
  return { id: user.id, username: user.username, password };
}

/** A client as tests describe it (store terms), created through the clients service as the CLI would. */
export interface TestClientInput {
  readonly name: string;
  readonly types: readonly ClientType[];
  readonly redirect?: readonly string[];
  readonly confidential?: boolean;
  readonly trusted?: boolean;
  readonly introspectAll?: boolean;
  readonly permissions?: readonly string[];
}

/** The clients service's request (wire names) for a test client. */
export function clientRequest(input: TestClientInput): ClientRequest {
  return {
    name: input.name,
    types: [...input.types],
    redirect: [...(input.redirect ?? [])],
    confidential: input.confidential ?? true,
    ...(input.trusted !== undefined ? { trusted: input.trusted } : {}),
    ...(input.introspectAll !== undefined ? { introspect_all: input.introspectAll } : {}),
    ...(input.permissions !== undefined ? { permissions: [...input.permissions] } : {}),
  };
}

export function createClient(ctx: Pick<Context, 'services'>, input: TestClientInput): Promise<{ client: Client; secret: string | null }> {
  return ctx.services.clients.create(CLI_ACTOR, clientRequest(input));
}

export async function updateClient(ctx: Pick<Context, 'services'>, id: string, input: TestClientInput): Promise<Client> {
  return (await ctx.services.clients.update(CLI_ACTOR, id, clientRequest(input))).client;
}

/** A personal access token issued through the PAT service; returns the raw token. */
export async function issuePat(ctx: Pick<Context, 'services'>, userId: string, input: { name: string; scopes?: string[]; expiresAt?: number | null; clientId?: string }): Promise<{ token: string; id: string }> {
  const { token, pat } = await ctx.services.pats.create(CLI_ACTOR, userId, { expiresAt: null, ...input });
  return { token, id: pat.id };
}
