/** Server-generated settings shared by every node (e.g. the cookie-signing key). */
import { randomBytes } from 'node:crypto';
import type { Store } from './db.js';

export async function getOrCreateSetting(store: Store, key: string, generate: () => string): Promise<string> {
  await store.db
    .insertInto('settings')
    .values({ key, value: generate() })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
  const row = await store.db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirstOrThrow();
  return row.value;
}

/** The keys of the web surfaces every node shares: cookie signing, CSRF, one-time results. */
export interface WebKeys {
  readonly cookieSecret: string;
  readonly csrfHmacKey: string;
  /** 32 bytes: encrypts one-time results (a secret shown once) kept between a POST and its page. */
  readonly resultKey: Buffer;
}

/** The web keys, generated on first use and kept in the settings table. */
export async function loadWebKeys(store: Store): Promise<WebKeys> {
  const generate = () => randomBytes(32).toString('base64url');
  return {
    cookieSecret: await getOrCreateSetting(store, 'cookie_secret', generate),
    csrfHmacKey: await getOrCreateSetting(store, 'csrf_hmac_key', generate),
    resultKey: Buffer.from(await getOrCreateSetting(store, 'result_key', generate), 'base64url'),
  };
}
