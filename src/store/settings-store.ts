/**
 * The web keys every node shares (cookie signing, CSRF, one-time results, session-id digests),
 * derived with HKDF-SHA256 from a key the database does not hold: KEYGATE_SECRET_KEY when set,
 * otherwise, on SQLite, the key file beside the database (src/store/key-file.ts). Only PostgreSQL
 * without KEYGATE_SECRET_KEY keeps the old way — keys generated once and stored in the settings
 * table — so an upgrade does not break; start warns about it then.
 */
import { createHmac, hkdfSync, randomBytes } from 'node:crypto';
import type { Config } from '../config.js';
import { hashSecret } from '../domain/secret.js';
import type { Store } from './db.js';
import { keyFilePath, loadOrCreateKeyFile } from './key-file.js';

export async function getOrCreateSetting(store: Store, key: string, generate: () => string): Promise<string> {
  await store.db
    .insertInto('settings')
    .values({ key, value: generate() })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
  const row = await store.db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirstOrThrow();
  return row.value;
}

/** Where the web keys came from. */
export type WebKeySource = 'secret-key' | 'key-file' | 'stored';

/** The keys of the web surfaces every node shares. */
export interface WebKeys {
  readonly cookieSecret: string;
  readonly csrfHmacKey: string;
  /** 32 bytes: encrypts one-time results (a secret shown once) kept between a POST and its page. */
  readonly resultKey: Buffer;
  /**
   * Keys the digest under which session ids are stored (HMAC-SHA256), so a new key ends every
   * session; null with stored keys, where sessions keep the plain SHA-256 digest they had.
   */
  readonly sessionKey: Buffer | null;
  readonly source: WebKeySource;
}

/** The line start prints when the web keys are still in the database (PostgreSQL without KEYGATE_SECRET_KEY). */
export const STORED_KEYS_WARNING =
  'KEYGATE_SECRET_KEY is not set: the keys that sign cookies and CSRF tokens are read from the database, so a copy of it holds them. ' +
  'Set KEYGATE_SECRET_KEY (the same value on every node, e.g. `openssl rand -base64 32`); everyone will have to log in again once.';

/** The settings rows of the old, stored keys. */
const STORED_KEY_NAMES = ['cookie_secret', 'csrf_hmac_key', 'result_key'] as const;

// HKDF (RFC 5869) with a fixed salt and one info label per key: the keys are independent, and
// none of them reveals the master key or another.
const SALT = 'keygate web keys';
const derive = (master: Buffer, label: string): Buffer => Buffer.from(hkdfSync('sha256', master, SALT, `keygate ${label} v1`, 32));

/** The web keys derived from a master key (KEYGATE_SECRET_KEY's bytes, or the key file's). */
export function deriveWebKeys(master: Buffer, source: Exclude<WebKeySource, 'stored'>): WebKeys {
  return {
    cookieSecret: derive(master, 'cookie signing').toString('base64url'),
    csrfHmacKey: derive(master, 'csrf hmac').toString('base64url'),
    resultKey: derive(master, 'one-time results'),
    sessionKey: derive(master, 'session id digest'),
    source,
  };
}

/** The master key this configuration uses, or null when the keys stay in the database. */
function masterKey(config: Pick<Config, 'database' | 'secretKey'>): { key: Buffer; source: Exclude<WebKeySource, 'stored'> } | null {
  if (config.secretKey !== undefined) return { key: Buffer.from(config.secretKey, 'utf8'), source: 'secret-key' };
  if (config.database.kind === 'postgres') return null;
  const path = keyFilePath(config.database);
  // An in-memory store lives and dies with its process: so may its key.
  return { key: path === null ? randomBytes(32) : loadOrCreateKeyFile(path), source: 'key-file' };
}

export async function loadWebKeys(store: Store, config: Pick<Config, 'database' | 'secretKey'>): Promise<WebKeys> {
  const master = masterKey(config);
  if (master !== null) {
    // Keys stored by an older version are useless now; they must not stay in the database's dumps.
    await store.db.deleteFrom('settings').where('key', 'in', [...STORED_KEY_NAMES]).execute();
    return deriveWebKeys(master.key, master.source);
  }
  const generate = () => randomBytes(32).toString('base64url');
  return {
    cookieSecret: await getOrCreateSetting(store, 'cookie_secret', generate),
    csrfHmacKey: await getOrCreateSetting(store, 'csrf_hmac_key', generate),
    resultKey: Buffer.from(await getOrCreateSetting(store, 'result_key', generate), 'base64url'),
    sessionKey: null,
    source: 'stored',
  };
}

/** The digest a session id is stored under: HMAC-SHA256 with the session key, or SHA-256 without one. */
export function sessionIdDigest(sessionKey: Buffer | null, sessionId: string): string {
  return sessionKey === null ? hashSecret(sessionId) : createHmac('sha256', sessionKey).update(sessionId).digest('hex');
}
