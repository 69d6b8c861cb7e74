/**
 * Auth Clients. The name is unique case-insensitively through `name_key` (a unique index, so two
 * concurrent creates cannot both win). Secrets are stored as SHA-256 digests only. Any change that
 * can affect a token (delete, types, permissions) flushes the token-check caches in the same step.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Client, ClientType } from '../domain/client.js';
import { digestsEqual, hashSecret, issueSecret } from '../domain/secret.js';
import type { Store } from './db.js';
import { fromFlag, isUniqueViolation, parseJsonArray, toDate, toFlag } from './db.js';
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
          return { result: stripSecretState(rowToClient(row)), event: { kind: 'all' } };
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
      const client = await self.findById(id);
      if (!client || !client.confidential) return null;
      const secret = issueSecret('clientSecret');
      await db
        .updateTable('clients')
        .set({
          secret_hash: hashSecret(secret),
          previous_secret_hash: graceSeconds > 0 ? client.secretHash : null,
          previous_secret_expires_at: graceSeconds > 0 ? nowMs + graceSeconds * 1000 : null,
          updated_at: nowMs,
        })
        .where('id', '=', id)
        .execute();
      return secret;
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
          .where('revoked_at', 'is', null)
          .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', nowMs)]))
          .executeTakeFirstOrThrow();
        const res = await trx.deleteFrom('clients').where('id', '=', id).executeTakeFirst();
        if (Number(res.numDeletedRows) === 0) return { result: null, event: null };
        return { result: Number(active.n), event: { kind: 'all' } };
      });
    },
  };
  return self;
}
