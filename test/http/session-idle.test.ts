/**
 * Security round 2 (docs/security.md T27): a console session unused for KEYGATE_SESSION_IDLE ends; one in use
 * does not, and its use is written at most once a minute (a page view is not a write every time).
 * The server's clock is injected, so the test ages the session without waiting.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startServer, type TestServer } from '../helpers/app.js';
import { WebClient } from '../helpers/http.js';
import { storeKinds } from '../helpers/stores.js';

const IDLE_SECONDS = 600;

for (const kind of storeKinds()) {
  describe(`console session idle timeout [${kind}]`, () => {
    let server: TestServer;
    let offsetMs = 0;
    const advance = (seconds: number) => (offsetMs += seconds * 1000);
    before(async () => {
      server = await startServer(kind, { env: { KEYGATE_SESSION_IDLE: String(IDLE_SECONDS) }, now: () => Date.now() + offsetMs });
    });
    after(() => server.close());

    const status = async (web: WebClient, path = '/profile/tokens') => (await web.get(path)).status;
    const lastSeen = async () => (await server.ctx.store.db.selectFrom('sessions').select(['id_hash', 'last_seen_at']).execute()).map((r) => Number(r.last_seen_at));

    it('ends a session unused for KEYGATE_SESSION_IDLE, on pages and on the API', async () => {
      const web = new WebClient(server.baseUrl);
      assert.equal((await web.login('admin', server.admin.password)).status, 303);
      advance(IDLE_SECONDS - 5);
      assert.equal(await status(web), 200, 'still within the idle time');
      advance(IDLE_SECONDS - 5);
      assert.equal(await status(web), 200, 'each use starts the idle time again');
      advance(IDLE_SECONDS + 1);
      assert.equal(await status(web, '/api/1.0/users/me'), 401, 'idle too long: the API refuses the cookie');
      const page = await web.get('/profile/tokens');
      assert.equal(page.status, 303);
      assert.match(page.headers.get('location') ?? '', /^\/login\?next=/);
    });

    it('records use at most once a minute per session', async () => {
      await server.ctx.store.db.deleteFrom('sessions').execute();
      const web = new WebClient(server.baseUrl);
      assert.equal((await web.login('admin', server.admin.password)).status, 303);
      const [created] = await lastSeen();
      for (let i = 0; i < 5; i++) {
        advance(10);
        assert.equal(await status(web), 200);
      }
      assert.deepEqual(await lastSeen(), [created], 'five page views in 50 s: no write');
      advance(15);
      assert.equal(await status(web), 200);
      const [touched] = await lastSeen();
      assert.ok(touched! >= created! + 60_000, 'a minute on: written once');
    });
  });
}
