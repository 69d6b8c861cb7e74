/**
 * Messages people read (issue 14): a value that fits no branch of a union gets one message, not
 * one per branch; counts of one say "1 second".
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { describeTtl } from '../../src/domain/pat.js';
import { SlowDownError } from '../../src/oauth/errors.js';
import { ThrottledError } from '../../src/services/errors.js';
import { issuePat, startServer, type TestServer } from '../helpers/app.js';
import { storeKinds } from '../helpers/stores.js';

describe('messages with a count', () => {
  it('say "1 second", not "1 seconds"', () => {
    assert.equal(new SlowDownError(1).description, 'Too many failed attempts. Try again in 1 second.');
    assert.equal(new SlowDownError(30).description, 'Too many failed attempts. Try again in 30 seconds.');
    assert.equal(new ThrottledError(1).message, 'Too many failed attempts. Try again in 1 second.');
    assert.equal(describeTtl(1), '1 second');
    assert.equal(describeTtl(3600), '1 hour');
  });
});

for (const kind of storeKinds()) {
  describe(`API validation messages [${kind}]`, () => {
    let server: TestServer;
    let token: string;
    before(async () => {
      server = await startServer(kind);
      token = (await issuePat(server.ctx, server.admin.id, { name: 'messages' })).token;
    });
    after(() => server?.close());

    it('a personal access token with an unreadable expires_at gets one message for that field', async () => {
      for (const expires of [{ at: 'tomorrow' }, 12345, 'tomorrow', true]) {
        const res = await fetch(`${server.baseUrl}/api/1.0/users/${server.admin.id}/tokens`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ name: 'n', expires_at: expires }),
        });
        assert.equal(res.status, 422, JSON.stringify(expires));
        const body = (await res.json()) as { message: string; errors: Record<string, string[]> };
        assert.deepEqual(Object.keys(body.errors), ['expires_at']);
        assert.equal(body.errors.expires_at!.length, 1, `${JSON.stringify(expires)}: ${JSON.stringify(body.errors)}`);
        assert.equal(body.message, body.errors.expires_at![0]);
      }
    });
  });
}
