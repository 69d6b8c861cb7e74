/**
 * Removing a grant type from a client now revokes the tokens issued through it (for good: adding
 * the type back revives nothing). Before, such tokens were only hidden by the token check while
 * the type was missing, and came back when it was added again. This revokes the tokens existing
 * stores still hold that way: live tokens whose client lacks the type their origin needs.
 */
import { sql, type Kysely } from 'kysely';

/** Token origin → the client type it needs (src/domain/client.ts CLIENT_TYPE_FOR_ORIGIN, as of this migration). */
const TYPE_FOR_ORIGIN: ReadonlyArray<readonly [string, string]> = [
  ['authorization_code', 'authorization_code_grant'],
  ['password', 'password_client'],
  ['client_credentials', 'client_credentials_grant'],
  ['personal_access', 'personal_access_client'],
];

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  const now = Date.now();
  for (const [origin, type] of TYPE_FOR_ORIGIN) {
    await sql`update tokens set revoked_at = ${now}
      where revoked_at is null and origin = ${origin}
        and client_id in (select id from clients where types not like ${`%"${type}"%`})`.execute(db);
  }
}

// A revocation cannot be undone.
export async function down(): Promise<void> {}
