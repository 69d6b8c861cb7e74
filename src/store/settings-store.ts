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

/** The cookie-signing and CSRF keys every node shares, generated on first use. */
export async function loadWebKeys(store: Store): Promise<{ cookieSecret: string; csrfHmacKey: string }> {
  const generate = () => randomBytes(32).toString('base64url');
  return {
    cookieSecret: await getOrCreateSetting(store, 'cookie_secret', generate),
    csrfHmacKey: await getOrCreateSetting(store, 'csrf_hmac_key', generate),
  };
}
