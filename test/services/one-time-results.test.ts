/**
 * One-time results on SQLite and PostgreSQL: taken once by the session that made it, never by
 * another; sealed at rest; gone after ten minutes and with the session.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { userActor } from '../../src/services/actor.js';
import { ForbiddenError } from '../../src/services/errors.js';
import { ONE_TIME_RESULT_TTL_MS } from '../../src/services/one-time-results.js';
import { startServer, type TestServer } from '../helpers/app.js';
import { storeKinds } from '../helpers/stores.js';

for (const kind of storeKinds()) {
  describe(`one-time results [${kind}]`, () => {
    let server: TestServer;
    before(async () => {
      server = await startServer(kind);
    });
    after(() => server?.close());

    const sessionActor = async () => {
      const id = await server.ctx.sessions.create(server.admin.id, 3600);
      const user = (await server.ctx.users.findPublicById(server.admin.id))!;
      return { id, actor: userActor(user, 'session', server.ctx.sessions.digest(id)) };
    };

    it('is taken once, by its own session only, and is sealed in the store', async () => {
      const results = server.ctx.services.oneTimeResults;
      const mine = await sessionActor();
      const other = await sessionActor();
      const value = { kind: 'client_secret', clientId: 'c1', name: 'App', secret: 'kg_cs_not_a_real_secret_value', created: true, graceSeconds: 0 } as const;
      const id = await results.keep(mine.actor, value);
      const rows = await server.ctx.store.db.selectFrom('one_time_results').selectAll().execute();
      assert.equal(rows.length, 1);
      assert.ok(!JSON.stringify(rows).includes(value.secret), 'never in plain text');
      assert.equal(await results.take(other.actor, id), null, 'another session cannot take it');
      assert.deepEqual(await results.take(mine.actor, id), value);
      assert.equal(await results.take(mine.actor, id), null, 'only once');
      await assert.rejects(results.keep({ ...mine.actor, credential: 'personal_access_token' }, value), ForbiddenError);
    });

    it('ends after ten minutes and with its session', async () => {
      const results = server.ctx.services.oneTimeResults;
      const mine = await sessionActor();
      const value = { kind: 'personal_access_token', ownerId: server.admin.id, tokenId: 't', name: 'n', token: 'kg_pat_x' } as const;
      const stale = await results.keep(mine.actor, value);
      await server.ctx.store.db.updateTable('one_time_results').set({ expires_at: Date.now() - 1 }).where('id', '=', stale).execute();
      assert.equal(await results.take(mine.actor, stale), null);
      const kept = await results.keep(mine.actor, value);
      const row = await server.ctx.store.db.selectFrom('one_time_results').selectAll().where('id', '=', kept).executeTakeFirstOrThrow();
      assert.ok(Math.abs(Number(row.expires_at) - Number(row.created_at) - ONE_TIME_RESULT_TTL_MS) === 0);
      await server.ctx.sessions.delete(mine.id);
      assert.equal(await server.ctx.store.db.selectFrom('one_time_results').select('id').where('id', '=', kept).executeTakeFirst(), undefined, 'logout removes it');
    });
  });
}
