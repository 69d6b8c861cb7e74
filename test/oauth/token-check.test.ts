/**
 * The one token check, on real stores: cache hits, and every way a token stops working taking
 * effect on the very next check — in this process, from another process on the same SQLite
 * file, and from another node on PostgreSQL.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { createContext, type Context } from '../../src/context.js';
import { displayPrefix, hashSecret, issueSecret } from '../../src/domain/secret.js';
import { createTokenCheck } from '../../src/oauth/token-check.js';
import { CLI_ACTOR } from '../../src/services/actor.js';
import { createClient, createUser, updateClient } from '../helpers/app.js';
import { createTestDatabase, storeKinds, type TestDatabase } from '../helpers/stores.js';

async function openContext(db: TestDatabase): Promise<Context> {
  return createContext(loadConfig({ DATABASE_URL: db.url, LOG_LEVEL: 'silent' }));
}

async function mintToken(ctx: Context, options: { clientId: string; userId: string | null; origin?: string; expiresAt?: number | null }): Promise<{ token: string; id: string }> {
  const token = issueSecret('accessToken');
  const id = await ctx.tokens.insertToken({
    tokenHash: hashSecret(token),
    kind: 'access_token',
    prefix: displayPrefix(token),
    clientId: options.clientId,
    userId: options.userId,
    scopes: ['api'],
    origin: options.origin ?? 'client_credentials',
    createdAt: Date.now(),
    expiresAt: options.expiresAt === undefined ? Date.now() + 3600_000 : options.expiresAt,
  });
  return { token, id };
}

for (const kind of storeKinds()) {
  describe(`token check [${kind}]`, () => {
    let db: TestDatabase;
    let ctx: Context;
    let clientId: string;
    let userId: string;

    before(async () => {
      db = await createTestDatabase(kind);
      ctx = await openContext(db);
      const user = await createUser(ctx, { username: 'alice', permissions: ['view-auth_clients'] });
      userId = user.id;
      // Creating a client sends a `clients` invalidation; on PostgreSQL it comes back to this process
      // through LISTEN a moment later. Wait for that echo, so that it cannot land during a test's
      // first check (a check that saw an invalidation while it read does not cache its answer).
      let seen = 0;
      const echoed = new Promise<void>((resolve) => {
        const stop = ctx.invalidation.subscribe((event) => {
          if (event.kind !== 'clients' || ++seen < (kind === 'postgres' ? 2 : 1)) return;
          stop();
          resolve();
        });
        setTimeout(() => (stop(), resolve()), 2_000).unref();
      });
      const { client } = await createClient(ctx, { name: 'Service', types: ['client_credentials_grant', 'password_client'], permissions: ['view-auth_clients'] });
      clientId = client.id;
      await echoed;
    });
    after(async () => {
      await ctx.close();
      await db.drop();
    });

    it('returns the principal, then answers from the cache', async () => {
      const { token } = await mintToken(ctx, { clientId, userId: null });
      const first = await ctx.tokenCheck.check(token);
      assert.ok(first);
      assert.equal(first.clientId, clientId);
      assert.equal(first.userId, null);
      assert.deepEqual(first.permissions, ['view-auth_clients']);
      const size = ctx.tokenCheck.cacheSize;
      assert.equal(await ctx.tokenCheck.check(token), first, 'the second check is served from the cache');
      assert.equal(ctx.tokenCheck.cacheSize, size);
    });

    it('refuses unknown, malformed and wrong-kind strings', async () => {
      assert.equal(await ctx.tokenCheck.check(issueSecret('accessToken')), null);
      assert.equal(await ctx.tokenCheck.check('kg_at_short'), null);
      assert.equal(await ctx.tokenCheck.check(issueSecret('clientSecret')), null);
      assert.equal(await ctx.tokenCheck.check(''), null);
    });

    it('refuses a revoked token on the very next check, cache included', async () => {
      const { token, id } = await mintToken(ctx, { clientId, userId });
      assert.ok(await ctx.tokenCheck.check(token));
      const n = await ctx.tokens.revokeWhere((trx) => trx.selectFrom('tokens').select(['id', 'token_hash']).where('id', '=', id).execute(), Date.now());
      assert.equal(n, 1);
      assert.equal(await ctx.tokenCheck.check(token), null);
    });

    it('keeps a stable part of a working set larger than the cache (admission), and still refuses a revoked cached token', async () => {
      const check = createTokenCheck({ tokens: ctx.tokens, invalidation: ctx.invalidation, lastUsed: ctx.lastUsed, cacheSize: 20, now: Date.now });
      const minted = [];
      for (let i = 0; i < 60; i++) minted.push(await mintToken(ctx, { clientId, userId: null }));
      for (let round = 0; round < 4; round++) for (const { token } of minted) assert.ok(await check.check(token));
      const hitsBefore = check.counts.cacheHits;
      for (const { token } of minted) assert.ok(await check.check(token));
      // Without admission, round-robin over 3× the cache evicts every entry before its reuse: 0 hits.
      assert.ok(check.counts.cacheHits - hitsBefore >= 15, `hits in the last round: ${check.counts.cacheHits - hitsBefore}`);
      assert.equal(check.cacheSize, 20);
      let revoked = 0;
      for (const { token, id } of minted) {
        const before = check.counts.cacheHits;
        assert.ok(await check.check(token));
        if (check.counts.cacheHits === before) continue;
        // A cached (admitted) entry: revoked, it is refused on the next check.
        await ctx.tokens.revokeWhere((trx) => trx.selectFrom('tokens').select(['id', 'token_hash']).where('id', '=', id).execute(), Date.now());
        assert.equal(await check.check(token), null);
        if (++revoked === 3) break;
      }
      assert.equal(revoked, 3);
    });

    it('refuses an expired token even when cached (an injected clock, no sleeping)', async () => {
      let nowMs = Date.now();
      const check = createTokenCheck({ tokens: ctx.tokens, invalidation: ctx.invalidation, lastUsed: ctx.lastUsed, cacheSize: 100, now: () => nowMs });
      const { token } = await mintToken(ctx, { clientId, userId, expiresAt: nowMs + 300 });
      // A notification of an earlier test's revocation may arrive during the first lookup, which
      // then is not cached (the row might be stale): look again until it is.
      for (let i = 0; i < 5 && check.cacheSize === 0; i++) assert.ok(await check.check(token));
      assert.equal(check.cacheSize, 1);
      nowMs += 299;
      assert.ok(await check.check(token), 'still valid a millisecond before');
      nowMs += 1;
      assert.equal(await check.check(token), null);
    });

    it('refuses tokens of a grant type removed from the client, and of a deleted client', async () => {
      const password = await mintToken(ctx, { clientId, userId, origin: 'password' });
      const credentials = await mintToken(ctx, { clientId, userId: null, origin: 'client_credentials' });
      assert.ok(await ctx.tokenCheck.check(password.token));
      assert.ok(await ctx.tokenCheck.check(credentials.token));
      await updateClient(ctx, clientId, { name: 'Service', types: ['client_credentials_grant'] });
      assert.equal(await ctx.tokenCheck.check(password.token), null);
      assert.ok(await ctx.tokenCheck.check(credentials.token));

      const { client } = await createClient(ctx, { name: 'Doomed', types: ['client_credentials_grant'] });
      const doomed = await mintToken(ctx, { clientId: client.id, userId: null });
      assert.ok(await ctx.tokenCheck.check(doomed.token));
      assert.equal((await ctx.services.clients.delete(CLI_ACTOR, client.id)).tokensEnded, 1);
      assert.equal(await ctx.tokenCheck.check(doomed.token), null);
    });

    it('applies a user permission change at once', async () => {
      const { token } = await mintToken(ctx, { clientId, userId, origin: 'client_credentials' });
      assert.deepEqual((await ctx.tokenCheck.check(token))?.permissions, ['view-auth_clients']);
      await ctx.services.users.update(CLI_ACTOR, userId, { permissions: [] });
      assert.deepEqual((await ctx.tokenCheck.check(token))?.permissions, []);
    });

    it('writes last use at most once per minute however often a token is used', async () => {
      const { token, id } = await mintToken(ctx, { clientId, userId: null });
      await ctx.lastUsed.flush();
      const before = ctx.lastUsed.writes;
      for (let i = 0; i < 100; i++) assert.ok(await ctx.tokenCheck.check(token));
      await ctx.lastUsed.flush();
      assert.equal(ctx.lastUsed.writes - before, 1);
      const row = await ctx.store.db.selectFrom('tokens').select('last_used_at').where('id', '=', id).executeTakeFirstOrThrow();
      assert.ok(row.last_used_at !== null && Math.abs(Number(row.last_used_at) - Date.now()) < 60_000);
    });

    it(kind === 'sqlite' ? 'honours a revocation made by another process on the same file' : 'honours a revocation made on another node within 100 ms', async () => {
      const other = await openContext(db);
      try {
        const { token, id } = await mintToken(ctx, { clientId, userId: null });
        assert.ok(await ctx.tokenCheck.check(token));
        assert.ok(await other.tokenCheck.check(token), 'the other node accepts the token too');
        const revokedAt = performance.now();
        await other.tokens.revokeWhere((trx) => trx.selectFrom('tokens').select(['id', 'token_hash']).where('id', '=', id).execute(), Date.now());
        if (kind === 'sqlite') {
          assert.equal(await ctx.tokenCheck.check(token), null, 'refused on the next check');
          // Again and again, right after each commit of the other process: never one stale answer.
          for (let i = 0; i < 50; i++) {
            const next = await mintToken(ctx, { clientId, userId: null });
            assert.ok(await ctx.tokenCheck.check(next.token));
            await other.tokens.revokeWhere((trx) => trx.selectFrom('tokens').select(['id', 'token_hash']).where('id', '=', next.id).execute(), Date.now());
            assert.equal(await ctx.tokenCheck.check(next.token), null, `round ${i}: refused on the next check`);
          }
        } else {
          let refusedAfter = -1;
          while (performance.now() - revokedAt < 1000) {
            if ((await ctx.tokenCheck.check(token)) === null) {
              refusedAfter = performance.now() - revokedAt;
              break;
            }
            await new Promise((r) => setTimeout(r, 2));
          }
          assert.ok(refusedAfter >= 0, 'refused within 1 s');
          assert.ok(refusedAfter < 100, `refused after ${refusedAfter.toFixed(1)} ms`);
          console.log(`# cross-node revocation delay: ${refusedAfter.toFixed(1)} ms`);
        }
      } finally {
        await other.close();
      }
    });
  });
}
