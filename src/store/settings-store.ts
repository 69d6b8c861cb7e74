/** Server-generated settings shared by every node (e.g. the cookie-signing key). */
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
