/**
 * Auth Clients. The name is unique case-insensitively through `name_key` (a unique index, so two
 * concurrent creates cannot both win). Secrets are stored as SHA-256 digests only. Any change that
 * can affect a token or client authentication (delete, types, permissions, a new secret) flushes
 * the token-check and client caches in the same step, in every process and node.
 */
import { randomUUID } from 'node:crypto';
import { sql, type ExpressionBuilder, type Kysely } from 'kysely';
import type { Client, ClientType } from '../domain/client.js';
import { digestsEqual, hashSecret, issueSecret } from '../domain/secret.js';
import type { Store } from './db.js';
import { containsText, fromFlag, isUniqueViolation, parseJsonArray, toDate, toFlag } from './db.js';
import type { Invalidation } from './invalidation.js';
import type { ClientsTable, Database } from './schema.js';

export class DuplicateClientNameError extends Error {
  override readonly name = 'DuplicateClientNameError';
}

export interface ClientInput {
  readonly name: string;
  readonly types: readonly ClientType[];
  readonly redirect: readonly string[];
  readonly confidential: boolean;
  readonly trusted?: boolean;
  readonly introspectAll?: boolean;
  readonly permissions?: readonly string[];
}

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

export function rowToClient(row: ClientsTable): ClientWithSecretState {
  return {
    id: row.id,
    name: row.name,
    types: parseJsonArray(row.types) as ClientType[],
    redirect: parseJsonArray(row.redirect),
    confidential: fromFlag(row.confidential),
    trusted: fromFlag(row.trusted),
    introspectAll: fromFlag(row.introspect_all),
    permissions: parseJsonArray(row.permissions),
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
function activeToken(nowMs: number) {
  return (eb: ExpressionBuilder<Database, 'tokens'>) =>
    eb.and([
      eb('tokens.revoked_at', 'is', null),
      eb('tokens.rotated_at', 'is', null),
      eb.or([eb('tokens.expires_at', 'is', null), eb('tokens.expires_at', '>', nowMs)]),
    ]);
}

/** FTS5 trigram MATCH needs three characters; shorter filters scan (SQLite). */
const TRIGRAM_MIN = 3;

export type ClientStore = ReturnType<typeof createClientStore>;

export function createClientStore(store: Store, invalidation: Invalidation) {
  const { db } = store;

  const self = {
    /** Creates a client; a confidential one gets a secret, returned here once. */
    async create(
      input: ClientInput,
      createdBy: string | null,
      nowMs = Date.now(),
      trx: Kysely<Database> = db,
    ): Promise<{ client: Client; secret: string | null }> {
      const id = randomUUID();
      const secret = input.confidential ? issueSecret('clientSecret') : null;
      const name = input.name.trim();
      try {
        await trx
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
            secret_hash: secret === null ? null : hashSecret(secret),
            previous_secret_hash: null,
            previous_secret_expires_at: null,
            created_by: createdBy,
            created_at: nowMs,
            updated_at: nowMs,
          })
          .execute();
      } catch (err) {
        if (isUniqueViolation(err)) throw new DuplicateClientNameError(`The Name has already been taken.`);
        throw err;
      }
      const row = await trx.selectFrom('clients').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      return { client: stripSecretState(rowToClient(row)), secret };
    },

    async findById(id: string): Promise<ClientWithSecretState | null> {
      const row = await db.selectFrom('clients').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? rowToClient(row) : null;
    },

    async findByName(name: string): Promise<ClientWithSecretState | null> {
      const row = await db.selectFrom('clients').selectAll().where('name_key', '=', clientNameKey(name)).executeTakeFirst();
      return row ? rowToClient(row) : null;
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

    /**
     * Updates a client. Removing a type ends the tokens that came from it at once: the token check
     * reads the client's types, and every cache is flushed here.
     */
    async update(id: string, input: ClientInput, nowMs = Date.now()): Promise<Client | null> {
      const name = input.name.trim();
      try {
        return await invalidation.revoke(async (trx) => {
          const res = await trx
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
              updated_at: nowMs,
            })
            .where('id', '=', id)
            .executeTakeFirst();
          if (Number(res.numUpdatedRows) === 0) return { result: null, event: null };
          const row = await trx.selectFrom('clients').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
          return { result: stripSecretState(rowToClient(row)), event: { kind: 'clients', ids: [id] } };
        });
      } catch (err) {
        if (isUniqueViolation(err)) throw new DuplicateClientNameError(`The Name has already been taken.`);
        throw err;
      }
    },

    /**
     * Issues a new secret. With `graceSeconds` > 0 the old one keeps working that long.
     * Returns the new raw secret once, or null for an unknown or public client.
     */
    async regenerateSecret(id: string, graceSeconds: number, nowMs = Date.now()): Promise<string | null> {
      const secret = issueSecret('clientSecret');
      // Through the invalidation fan-out: client caches (this process, other processes, other
      // nodes) must forget the old secret at once. One UPDATE: the right-hand `secret_hash` is the
      // value before this statement, so concurrent rotations cannot keep a never-current "previous".
      return invalidation.revoke(async (trx) => {
        const res = await trx
          .updateTable('clients')
          .set((eb) => ({
            secret_hash: hashSecret(secret),
            previous_secret_hash: graceSeconds > 0 ? eb.ref('secret_hash') : null,
            previous_secret_expires_at: graceSeconds > 0 ? nowMs + graceSeconds * 1000 : null,
            updated_at: nowMs,
          }))
          .where('id', '=', id)
          .where('confidential', '=', 1)
          .executeTakeFirst();
        return Number(res.numUpdatedRows) === 1 ? { result: secret, event: { kind: 'clients', ids: [id] } } : { result: null, event: null };
      });
    },

    /**
     * Deletes a client with every code and token issued to it (foreign keys cascade), and flushes
     * every token-check cache before returning. Returns the number of active tokens that ended,
     * or null when there was no such client.
     */
    async delete(id: string, nowMs = Date.now()): Promise<number | null> {
      return invalidation.revoke(async (trx) => {
        const active = await trx
          .selectFrom('tokens')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('client_id', '=', id)
          .where(activeToken(nowMs))
          .executeTakeFirstOrThrow();
        const res = await trx.deleteFrom('clients').where('id', '=', id).executeTakeFirst();
        if (Number(res.numDeletedRows) === 0) return { result: null, event: null };
        return { result: Number(active.n), event: { kind: 'clients', ids: [id] } };
      });
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
      const toPage = (rows: ClientsTable[]) => rows.map((r) => stripSecretState(rowToClient(r)));
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
