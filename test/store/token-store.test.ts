/**
 * Token writes on real stores. Requests that arrive together share one commit on SQLite
 * (src/store/sqlite-token-writer.ts): each must still succeed or fail on its own, a rotation
 * must stay all-or-nothing, and a batch must never become part of another transaction.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { createContext, type Context } from '../../src/context.js';
import { displayPrefix, hashSecret, issueSecret } from '../../src/domain/secret.js';
import { newTokenId, type TokenKind } from '../../src/domain/token.js';
import { TokenOwnerGoneError, type NewToken } from '../../src/store/token-store.js';
import { createClient } from '../helpers/app.js';
import { createTestDatabase, storeKinds, type TestDatabase } from '../helpers/stores.js';

function newToken(clientId: string, kind: TokenKind = 'access_token', extra: Partial<NewToken> = {}): { raw: string; row: NewToken } {
  const raw = issueSecret(kind === 'refresh_token' ? 'refreshToken' : 'accessToken');
  const row: NewToken = {
    tokenHash: hashSecret(raw),
    kind,
    prefix: displayPrefix(raw),
    clientId,
    userId: null,
    scopes: ['api'],
    origin: 'client_credentials',
    createdAt: Date.now(),
    expiresAt: null,
    ...extra,
  };
  return { raw, row };
}

for (const kind of storeKinds()) {
  describe(`token store writes [${kind}]`, () => {
    let db: TestDatabase;
    let ctx: Context;
    let clientId: string;

    before(async () => {
      db = await createTestDatabase(kind);
      ctx = await createContext(loadConfig({ DATABASE_URL: db.url, LOG_LEVEL: 'silent' }));
      const { client } = await createClient(ctx, { name: 'Writer', types: ['client_credentials_grant'] });
      clientId = client.id;
    });
    after(async () => {
      await ctx.close();
      await db.drop();
    });

    const stored = async (raw: string) => ctx.tokens.findByHash(hashSecret(raw));

    it('stores every request of a batch but the one whose client is gone, which fails alone', async () => {
      const good = Array.from({ length: 5 }, () => newToken(clientId));
      const orphan = newToken('no-such-client');
      const results = await Promise.allSettled([...good.slice(0, 2), orphan, ...good.slice(2)].map((t) => ctx.tokens.insertTokens([t.row])));
      assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled']);
      assert.ok((results[2] as PromiseRejectedResult).reason instanceof TokenOwnerGoneError);
      for (const t of good) assert.equal((await stored(t.raw))?.clientId, clientId);
      assert.equal(await stored(orphan.raw), null);
    });

    it('stores no row of a request when one of its rows fails, while the batch around it commits', async () => {
      const before = newToken(clientId);
      const pair = [newToken(clientId), newToken('no-such-client')];
      const after = newToken(clientId);
      const results = await Promise.allSettled([[before], pair, [after]].map((ts) => ctx.tokens.insertTokens(ts.map((t) => t.row))));
      assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
      assert.equal(await stored(pair[0]!.raw), null, 'the first row of the failed request was rolled back with it');
      assert.ok(await stored(before.raw));
      assert.ok(await stored(after.raw));
    });

    it('lets exactly one of two simultaneous rotations of a refresh token win, storing only its successors', async () => {
      const parent = newToken(clientId, 'refresh_token', { id: newTokenId() });
      await ctx.tokens.insertTokens([parent.row]);
      const a = newToken(clientId, 'refresh_token', { parentId: parent.row.id! });
      const b = newToken(clientId, 'refresh_token', { parentId: parent.row.id! });
      const outcomes = await Promise.all([ctx.tokens.rotateRefreshToken(parent.row.id!, Date.now(), [a.row]), ctx.tokens.rotateRefreshToken(parent.row.id!, Date.now(), [b.row])]);
      // Which one wins is up to the store (two PostgreSQL connections race); exactly one does.
      assert.deepEqual([...outcomes].sort(), ['refused', 'rotated']);
      const [winner, loser] = outcomes[0] === 'rotated' ? [a, b] : [b, a];
      assert.notEqual(await stored(winner.raw), null);
      assert.equal(await stored(loser.raw), null);
      assert.notEqual((await stored(parent.raw))?.rotatedAt, null);
    });

    it('inside a grace window, branches a retired refresh token at most maxSuccessors times, however many ask at once', async () => {
      const parent = newToken(clientId, 'refresh_token', { id: newTokenId() });
      await ctx.tokens.insertTokens([parent.row]);
      const nowMs = Date.now();
      const grace = { retiredSinceMs: nowMs - 5000, maxSuccessors: 16 };
      const successors = Array.from({ length: 24 }, () => newToken(clientId, 'refresh_token', { parentId: parent.row.id! }));
      const outcomes = await Promise.all(successors.map((t) => ctx.tokens.rotateRefreshToken(parent.row.id!, nowMs, [t.row], grace)));
      const count = (o: string) => outcomes.filter((x) => x === o).length;
      assert.deepEqual([count('rotated'), count('branched'), count('exhausted'), count('refused')], [1, 15, 8, 0], outcomes.join(' '));
      const kept = await Promise.all(successors.map((t) => stored(t.raw)));
      assert.equal(kept.filter((t) => t !== null).length, 16, 'only the successful ones stored anything');
      // Outside the window (it ended before the token was retired), and once revoked: refused.
      const late = newToken(clientId, 'refresh_token', { parentId: parent.row.id! });
      assert.equal(await ctx.tokens.rotateRefreshToken(parent.row.id!, nowMs, [late.row], { retiredSinceMs: nowMs + 1, maxSuccessors: 16 }), 'refused');
      assert.equal(await ctx.tokens.rotateRefreshToken(parent.row.id!, nowMs, [late.row], null), 'refused');
      await ctx.tokens.revokeById(parent.row.id!, nowMs);
      assert.equal(await ctx.tokens.rotateRefreshToken(parent.row.id!, nowMs, [late.row], grace), 'refused');
      assert.equal(await stored(late.raw), null);
    });

    it('leaves the refresh token unretired when its successors cannot be stored', async () => {
      const parent = newToken(clientId, 'refresh_token', { id: newTokenId() });
      await ctx.tokens.insertTokens([parent.row]);
      const orphan = newToken('no-such-client', 'refresh_token', { parentId: parent.row.id! });
      await assert.rejects(ctx.tokens.rotateRefreshToken(parent.row.id!, Date.now(), [orphan.row]), TokenOwnerGoneError);
      assert.equal((await stored(parent.raw))?.rotatedAt, null);
    });

    it('never lets a batch join another transaction: a rollback there keeps the batch', async () => {
      const outside = newToken(clientId);
      const inside = newToken(clientId);
      const rollback = ctx.store.db
        .transaction()
        .execute(async (trx) => {
          await trx.updateTable('tokens').set({ last_used_at: 1 }).where('client_id', '=', clientId).execute();
          const write = ctx.tokens.insertTokens([outside.row]);
          await new Promise((r) => setTimeout(r, 30));
          await trx.insertInto('tokens').values({
            id: newTokenId(), token_hash: inside.row.tokenHash, kind: 'access_token', prefix: inside.row.prefix, name: null, client_id: clientId,
            user_id: null, scopes: 'api', origin: 'client_credentials', grant_id: null, parent_id: null, created_at: Date.now(),
            expires_at: null, revoked_at: null, rotated_at: null, last_used_at: null,
          }).execute();
          throw Object.assign(new Error('roll back'), { write });
        })
        .catch((err: Error & { write: Promise<void> }) => err.write);
      await rollback;
      assert.notEqual(await stored(outside.raw), null, 'the batch committed on its own');
      assert.equal(await stored(inside.raw), null, 'the rolled-back transaction left nothing');
    });

    it('writes last-use times for more tokens than one slice holds', async () => {
      const many = Array.from({ length: 1_200 }, () => newToken(clientId));
      await ctx.tokens.insertTokens(many.map((t) => t.row));
      const ids = (await ctx.store.db.selectFrom('tokens').select('id').where('token_hash', 'in', many.map((t) => t.row.tokenHash)).execute()).map((r) => r.id);
      assert.equal(ids.length, 1_200);
      await ctx.tokens.recordLastUsed(ids.map((id) => [id, 1_700_000_000_000] as const));
      const marked = await ctx.store.db.selectFrom('tokens').select((eb) => eb.fn.countAll<number>().as('n')).where('last_used_at', '=', 1_700_000_000_000).executeTakeFirstOrThrow();
      assert.equal(Number(marked.n), 1_200);
    });
  });
}
