/**
 * Custom scopes and the client settings of this round:
 *  - `scopes`: the catalog administrators manage (`api` and `api:read` are built in, not stored);
 *  - `clients.scopes`: what a client may ask for (existing clients keep what they could do:
 *    `api` and `api:read`);
 *  - `clients.require_pkce`: PKCE required even for a confidential client (public ones always);
 *  - `clients.allowed_origins`: browser origins allowed by CORS besides public clients' redirects.
 */
import type { Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('scopes')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.alterTable('clients').addColumn('scopes', 'text', (c) => c.notNull().defaultTo('["api","api:read"]')).execute();
  await db.schema.alterTable('clients').addColumn('require_pkce', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('clients').addColumn('allowed_origins', 'text', (c) => c.notNull().defaultTo('[]')).execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('clients').dropColumn('allowed_origins').execute();
  await db.schema.alterTable('clients').dropColumn('require_pkce').execute();
  await db.schema.alterTable('clients').dropColumn('scopes').execute();
  await db.schema.dropTable('scopes').execute();
}
