/**
 * Auth Clients, persistence only: the services (src/services/clients.ts) decide who may change
 * what, validate, audit and invalidate; writes here run inside their transaction. The name is
 * unique case-insensitively through `name_key` (a unique index, so two concurrent creates cannot
 * both win). Secrets are stored as SHA-256 digests only.
 */
import { randomUUID } from 'node:crypto';
import { sql, type ExpressionBuilder, type Kysely, type Selectable } from 'kysely';
import type { Client, ClientType } from '../domain/client.js';
import { digestsEqual, hashSecret } from '../domain/secret.js';
import type { Store } from './db.js';
import { containsText, fromFlag, isUniqueViolation, parseJsonArray, toDate, toFlag } from './db.js';
import type { ClientsTable, Database } from './schema.js';

/** The name is taken (the unique index refused the row). */
export class DuplicateClientNameError extends Error {
  override readonly name = 'DuplicateClientNameError';
  constructor() {
    super('a client with this name already exists');
  }
}

export interface ClientInput {
  readonly name: string;
  readonly types: readonly ClientType[];
  readonly redirect: readonly string[];
  readonly confidential: boolean;
  readonly trusted?: boolean;
  readonly introspectAll?: boolean;
  readonly permissions?: readonly string[];
  /** Left out: on create `api` and `api:read`; on update, kept. */
  readonly scopes?: readonly string[];
  readonly requirePkce?: boolean;
  readonly allowedOrigins?: readonly string[];
}

/** The scopes a new client may ask for unless told otherwise (INTERFACE.md). */
export const DEFAULT_CLIENT_SCOPES: readonly string[] = ['api', 'api:read'];

export interface ClientWithSecretState extends Client {
  readonly secretHash: string | null;
  readonly previousSecretHash: string | null;
  readonly previousSecretExpiresAt: number | null;
}

export function clientNameKey(name: string): string {
  return name.trim().toLowerCase();
}

export function clientSearchText(name: string, redirect: readonly string[]): string {
  return [name.trim(), ...redirect].join(' ').toLowerCase();
}

export function rowToClient(row: Selectable<ClientsTable>): ClientWithSecretState {
  return {
    id: row.id,
    name: row.name,
    types: parseJsonArray(row.types) as ClientType[],
    redirect: parseJsonArray(row.redirect),
    confidential: fromFlag(row.confidential),
    trusted: fromFlag(row.trusted),
    introspectAll: fromFlag(row.introspect_all),
    permissions: parseJsonArray(row.permissions),
    scopes: parseJsonArray(row.scopes),
    requirePkce: fromFlag(row.require_pkce),
    allowedOrigins: parseJsonArray(row.allowed_origins),
    createdBy: row.created_by,
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
    secretHash: row.secret_hash,
    previousSecretHash: row.previous_secret_hash,
    previousSecretExpiresAt: row.previous_secret_expires_at === null ? null : Number(row.previous_secret_expires_at),
  };
}

export function stripSecretState(client: ClientWithSecretState): Client {
  const { secretHash: _a, previousSecretHash: _b, previousSecretExpiresAt: _c, ...rest } = client;
  return rest;
}

export interface ClientListOptions {
  readonly page: number;
  readonly perPage: number;
  /** Case-insensitive substring of the name or a redirect URL. */
  readonly filter?: string;
  /** Newest first (default) or by name. */
  readonly orderBy?: 'created_at' | 'name';
}

export interface ClientTokenStats {
  /** Tokens that still work: not revoked, not rotated away, not expired. */
  readonly activeTokens: number;
  readonly lastUsedAt: Date | null;
}

/** The condition for a token that still works at `nowMs` (what a client deletion ends). */
export function activeToken(nowMs: number) {
  return (eb: ExpressionBuilder<Database, 'tokens'>) =>
    eb.and([
      eb('tokens.revoked_at', 'is', null),
      eb('tokens.rotated_at', 'is', null),
      eb.or([eb('tokens.expires_at', 'is', null), eb('tokens.expires_at', '>', nowMs)]),
    ]);
}

/** FTS5 trigram MATCH needs three characters; shorter filters scan (SQLite). */
const TRIGRAM_MIN = 3;

/** Maps the unique index's refusal of a name to DuplicateClientNameError. */
async function uniqueName<T>(write: Promise<T>): Promise<T> {
  try {
    return await write;
  } catch (err) {
    if (isUniqueViolation(err)) throw new DuplicateClientNameError();
    throw err;
  }
}

export type ClientStore = ReturnType<typeof createClientStore>;

export function createClientStore(store: Store) {
  const { db } = store;

  const findById = async (id: string, q: Kysely<Database> = db): Promise<ClientWithSecretState | null> => {
    const row = await q.selectFrom('clients').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? rowToClient(row) : null;
  };

  const self = {
    /** Inserts a client (`secretHash` null for a public client); throws DuplicateClientNameError. */
    async insert(trx: Kysely<Database>, input: ClientInput & { readonly secretHash: string | null; readonly createdBy: string | null }, nowMs: number): Promise<Client> {
      const id = randomUUID();
      const name = input.name.trim();
      await uniqueName(
        trx
          .insertInto('clients')
          .values({
            id,
            name,
            name_key: clientNameKey(name),
            types: JSON.stringify(input.types),
            redirect: JSON.stringify(input.redirect),
            search_text: clientSearchText(name, input.redirect),
            confidential: toFlag(input.confidential),
            trusted: toFlag(input.trusted ?? false),
            introspect_all: toFlag(input.introspectAll ?? false),
            permissions: JSON.stringify(input.permissions ?? []),
            scopes: JSON.stringify(input.scopes ?? DEFAULT_CLIENT_SCOPES),
            require_pkce: toFlag(input.requirePkce ?? false),
            allowed_origins: JSON.stringify(input.allowedOrigins ?? []),
            secret_hash: input.secretHash,
            previous_secret_hash: null,
            previous_secret_expires_at: null,
            created_by: input.createdBy,
            created_at: nowMs,
            updated_at: nowMs,
          })
          .execute(),
      );
      return stripSecretState((await findById(id, trx))!);
    },

    findById,

    async findByName(name: string, q: Kysely<Database> = db): Promise<ClientWithSecretState | null> {
      const row = await q.selectFrom('clients').selectAll().where('name_key', '=', clientNameKey(name)).executeTakeFirst();
      return row ? rowToClient(row) : null;
    },

    /** A client by its id, or else by its name (case-insensitive). */
    async findByRef(ref: string, q: Kysely<Database> = db): Promise<ClientWithSecretState | null> {
      return (ref.length <= 100 ? await findById(ref, q) : null) ?? (await self.findByName(ref, q));
    },

    /**
     * What the CORS origin set is made from (src/domain/cors.ts): public clients' redirect URLs
     * and every client's allowed origins — only the clients that have one or the other.
     */
    async corsSources(): Promise<Array<{ confidential: boolean; redirect: string[]; allowedOrigins: string[] }>> {
      const rows = await db
        .selectFrom('clients')
        .select(['confidential', 'redirect', 'allowed_origins'])
        .where((eb) => eb.or([eb('confidential', '=', 0), eb('allowed_origins', '!=', '[]')]))
        .execute();
      return rows.map((r) => ({ confidential: fromFlag(r.confidential), redirect: parseJsonArray(r.redirect), allowedOrigins: parseJsonArray(r.allowed_origins) }));
    },

    /** Constant-time check of a presented secret against the current (or, in its grace period, the previous) one. */
    secretMatches(client: ClientWithSecretState, presented: string, nowMs = Date.now()): boolean {
      const digest = hashSecret(presented);
      const current = client.secretHash !== null && digestsEqual(digest, client.secretHash);
      const previous =
        client.previousSecretHash !== null &&
        client.previousSecretExpiresAt !== null &&
        nowMs < client.previousSecretExpiresAt &&
        digestsEqual(digest, client.previousSecretHash);
      return current || previous;
    },

    /** Replaces a client's settings; false when there is no such client. Throws DuplicateClientNameError. */
    async update(trx: Kysely<Database>, id: string, input: Omit<ClientInput, 'confidential'>, nowMs: number): Promise<boolean> {
      const name = input.name.trim();
      const res = await uniqueName(
        trx
          .updateTable('clients')
          .set({
            name,
            name_key: clientNameKey(name),
            types: JSON.stringify(input.types),
            redirect: JSON.stringify(input.redirect),
            search_text: clientSearchText(name, input.redirect),
            ...(input.trusted !== undefined ? { trusted: toFlag(input.trusted) } : {}),
            ...(input.introspectAll !== undefined ? { introspect_all: toFlag(input.introspectAll) } : {}),
            ...(input.permissions !== undefined ? { permissions: JSON.stringify(input.permissions) } : {}),
            ...(input.scopes !== undefined ? { scopes: JSON.stringify(input.scopes) } : {}),
            ...(input.requirePkce !== undefined ? { require_pkce: toFlag(input.requirePkce) } : {}),
            ...(input.allowedOrigins !== undefined ? { allowed_origins: JSON.stringify(input.allowedOrigins) } : {}),
            updated_at: nowMs,
          })
          .where('id', '=', id)
          .executeTakeFirst(),
      );
      return Number(res.numUpdatedRows) === 1;
    },

    /**
     * Stores a new secret digest. With `graceSeconds` > 0 the old one keeps working that long. One
     * UPDATE: the right-hand `secret_hash` is the value before this statement, so concurrent
     * rotations cannot keep a never-current "previous". False for an unknown or public client.
     */
    async setSecret(trx: Kysely<Database>, id: string, secretHash: string, graceSeconds: number, nowMs: number): Promise<boolean> {
      const res = await trx
        .updateTable('clients')
        .set((eb) => ({
          secret_hash: secretHash,
          previous_secret_hash: graceSeconds > 0 ? eb.ref('secret_hash') : null,
          previous_secret_expires_at: graceSeconds > 0 ? nowMs + graceSeconds * 1000 : null,
          updated_at: nowMs,
        }))
        .where('id', '=', id)
        .where('confidential', '=', 1)
        .executeTakeFirst();
      return Number(res.numUpdatedRows) === 1;
    },

    /** Deletes a client with every code and token issued to it (foreign keys cascade). */
    async delete(trx: Kysely<Database>, id: string): Promise<boolean> {
      const res = await trx.deleteFrom('clients').where('id', '=', id).executeTakeFirst();
      return Number(res.numDeletedRows) === 1;
    },

    /** Tokens of the client that still work (of the given origins only, when named). */
    async countActiveTokens(id: string, nowMs: number, origins?: readonly string[], q: Kysely<Database> = db): Promise<number> {
      if (origins !== undefined && origins.length === 0) return 0;
      let query = q.selectFrom('tokens').select((eb) => eb.fn.countAll<number>().as('n')).where('client_id', '=', id).where(activeToken(nowMs));
      if (origins !== undefined) query = query.where('origin', 'in', [...origins]);
      return Number((await query.executeTakeFirstOrThrow()).n);
    },

    /**
     * One page of clients and the total, filtered and ordered in the store (indexes from
     * migration 002), never loading more rows than the page.
     */
    async list(options: ClientListOptions): Promise<{ data: Client[]; total: number }> {
      let q = db.selectFrom('clients');
      const text = options.filter?.trim().toLowerCase() ?? '';
      // SQLite's trigram index needs three characters; pg_trgm serves LIKE at any length.
      const scanned = store.dialect === 'sqlite' && [...text].length < TRIGRAM_MIN;
      if (text !== '') {
        if (store.dialect === 'postgres') {
          q = q.where(containsText('search_text', text));
        } else if (scanned) {
          // search_text is lower-case: a plain substring test, no LIKE pattern or case folding.
          q = q.where(sql<boolean>`instr(search_text, ${text}) > 0`);
        } else {
          const phrase = `"${text.replace(/"/g, '""')}"`;
          q = q.where(sql<boolean>`clients.rowid in (select rowid from clients_fts where clients_fts match ${phrase})`);
        }
      }
      const offset = (options.page - 1) * options.perPage;
      const toPage = (rows: Array<Selectable<ClientsTable>>) => rows.map((r) => stripSecretState(rowToClient(r)));
      if (text === '' || scanned) {
        // Unfiltered, the exact total is one row kept by triggers (migration 002), not count(*).
        // A filter too short for the trigram index: the total is a scan of one column, and the
        // page walks the ordering index and stops once it is full (a common pair of characters
        // fills it after a few hundred rows) instead of sorting every match.
        const total =
          text === ''
            ? Number((await sql<{ n: number }>`select n from client_count where id = 1`.execute(db)).rows[0]?.n ?? 0)
            : Number((await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
        if (offset >= total) return { data: [], total };
        const rows = q.selectAll();
        const ordered = options.orderBy === 'name' ? rows.orderBy('name_key').orderBy('id') : rows.orderBy('created_at', 'desc').orderBy('id', 'desc');
        const page = await ordered.limit(options.perPage).offset(offset).execute();
        return { data: toPage(page), total };
      }
      // Filtered: the search runs once, through the trigram index, and the window count gives the
      // total with the page. The order keys are expressions so that neither planner walks the
      // whole ordering index testing each row (that costs O(all clients), not O(matches)).
      const byName = options.orderBy === 'name';
      const page = await q
        .selectAll()
        .select(sql<number>`count(*) over ()`.as('total_matches'))
        .orderBy(byName ? sql`name_key || ''` : sql`created_at + 0`, byName ? 'asc' : 'desc')
        .orderBy('id', byName ? 'asc' : 'desc')
        .limit(options.perPage)
        .offset(offset)
        .execute();
      const total =
        page.length > 0
          ? Number(page[0]!.total_matches)
          : Number((await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
      return { data: toPage(page), total };
    },

    /** Active-token count and last use for the given clients (one grouped query, for one page). */
    async tokenStats(ids: readonly string[], nowMs = Date.now()): Promise<Map<string, ClientTokenStats>> {
      const out = new Map<string, ClientTokenStats>();
      for (const id of ids) out.set(id, { activeTokens: 0, lastUsedAt: null });
      if (ids.length === 0) return out;
      const rows = await db
        .selectFrom('tokens')
        .select((eb) => [
          'tokens.client_id',
          eb.fn.sum<number>(eb.case().when(activeToken(nowMs)(eb)).then(1).else(0).end()).as('active'),
          eb.fn.max('tokens.last_used_at').as('last_used_at'),
        ])
        .where('tokens.client_id', 'in', [...ids])
        .groupBy('tokens.client_id')
        .execute();
      for (const r of rows) {
        out.set(r.client_id, { activeTokens: Number(r.active ?? 0), lastUsedAt: r.last_used_at === null ? null : toDate(Number(r.last_used_at)) });
      }
      return out;
    },
  };
  return self;
}
