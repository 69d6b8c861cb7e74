/**
 * The access log (LOG_LEVEL=info): one line per request with the method, route pattern, path
 * without its query string, status, time and request id; no query string, token, secret, password
 * or code in any line; errors written at once (the synchronous destination).
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { createServerLogger, LineBatch } from '../../src/http/logger.js';
import { startServer, type TestServer } from '../helpers/app.js';
import { bodyAuth, makeClient, me, oauthPost, pkcePair } from './oauth-helpers.js';

function capture(): { stream: Writable; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line) lines.push(line);
      done();
    },
  });
  return { stream, lines };
}

describe('access log [sqlite]', () => {
  let server: TestServer;
  const queued = capture();
  const immediate = capture();
  before(async () => {
    const log = createServerLogger('info', { queued: queued.stream, immediate: immediate.stream });
    server = await startServer('sqlite', { logger: log.logger, accessLog: log.access });
  });
  after(async () => server?.close());

  it('writes one line per request, without query strings or secrets', async () => {
    const client = await makeClient(server.ctx, { types: ['password_client', 'authorization_code_grant'], redirect: ['http://127.0.0.1:9/cb'] });
    const grant = await oauthPost(server.baseUrl, '/oauth/token', { grant_type: 'password', username: 'admin', password: server.admin.password, scope: 'api', ...bodyAuth(client) });
    assert.equal(grant.status, 200);
    const token = grant.body.access_token as string;
    const refresh = grant.body.refresh_token as string;
    assert.equal(await me(server.baseUrl, token), 200);
    const { challenge } = pkcePair();
    const state = 'state-value-9f8e7d6c5b4a';
    const authorize = await fetch(
      `${server.baseUrl}/oauth/authorize?response_type=code&client_id=${client.id}&redirect_uri=${encodeURIComponent('http://127.0.0.1:9/cb')}&code_challenge=${challenge}&code_challenge_method=S256&state=${state}`,
      { redirect: 'manual' },
    );
    await authorize.arrayBuffer();
    const code = 'code-value-0a1b2c3d4e5f';
    await (await fetch(`${server.baseUrl}/no/such/page?code=${code}&access_token=${token}`)).arrayBuffer();
    await oauthPost(server.baseUrl, '/oauth/revoke', { token: refresh, ...bodyAuth(client) });
    // Let the queued destination drain.
    await new Promise((r) => setTimeout(r, 50));

    const all = [...queued.lines, ...immediate.lines];
    const access = all.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'request');
    assert.equal(access.length, 5, all.join('\n'));
    for (const line of access) {
      assert.equal(line.level, 30);
      for (const field of ['reqId', 'method', 'route', 'path', 'status', 'ms']) assert.ok(line[field] !== undefined, `${field} in ${JSON.stringify(line)}`);
      assert.ok(!String(line.path).includes('?'), 'no query string');
    }
    assert.deepEqual(
      access.map((l) => `${l.method} ${l.route} ${l.path} ${l.status}`),
      [
        'POST /oauth/token /oauth/token 200',
        'GET /api/1.0/users/me /api/1.0/users/me 200',
        `GET /oauth/authorize /oauth/authorize ${authorize.status}`,
        'GET unmatched /no/such/page 404',
        'POST /oauth/revoke /oauth/revoke 200',
      ],
    );
    assert.equal(new Set(access.map((l) => l.reqId)).size, 5, 'each line has its own request id');
    const text = all.join('\n');
    for (const secret of [server.admin.password, client.secret!, token, refresh, state, code, challenge]) {
      assert.ok(!text.includes(secret), `a secret or query value reached the log: ${secret.slice(0, 6)}…`);
    }
    assert.equal(immediate.lines.length, 0, 'nothing at error level');
  });

  it('writes errors through the synchronous destination, once', async () => {
    server.app.log.error({ probe: 1 }, 'an error line');
    assert.equal(immediate.lines.filter((l) => l.includes('an error line')).length, 1, 'written before the call returned');
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(queued.lines.filter((l) => l.includes('an error line')).length, 0, 'and not queued as well');
  });
});

describe('the batch in front of the asynchronous destination', () => {
  function recorder(): { out: { write(s: string): boolean; flushSync(): void }; writes: string[]; syncFlushes: () => number } {
    const writes: string[] = [];
    let flushes = 0;
    return { out: { write: (s) => (writes.push(s), true), flushSync: () => void flushes++ }, writes, syncFlushes: () => flushes };
  }

  it('hands lines over in batches of the set size, every line whole and in order', () => {
    const { out, writes } = recorder();
    const batch = new LineBatch(out, 4096, 60_000);
    const lines = Array.from({ length: 500 }, (_, i) => `{"msg":"request","n":${i},"pad":"${'x'.repeat(60)}"}\n`);
    for (const line of lines) batch.write(line);
    const total = lines.join('').length;
    // Each batch holds at least 4,096 characters and less than one more line.
    assert.ok(writes.length >= Math.floor(total / (4096 + lines[0]!.length)) && writes.length <= Math.floor(total / 4096), `${writes.length} writes for ${total} characters`);
    for (const w of writes) assert.ok(w.length >= 4096 && w.endsWith('\n'), 'each write is a full batch of whole lines');
    batch.flushSync();
    assert.equal(writes.join(''), lines.join(''), 'nothing lost, nothing reordered');
  });

  it('writes a quiet log within the flush interval, and whatever is left on flushSync', async () => {
    const { out, writes, syncFlushes } = recorder();
    const batch = new LineBatch(out, 4096, 30);
    batch.write('one\n');
    batch.write('two\n');
    assert.deepEqual(writes, [], 'held while the batch is small');
    await new Promise((r) => setTimeout(r, 80));
    assert.deepEqual(writes, ['one\ntwo\n'], 'the timer handed them over together');
    batch.write('three\n');
    batch.flushSync();
    assert.deepEqual(writes, ['one\ntwo\n', 'three\n']);
    assert.equal(syncFlushes(), 1, 'and the destination wrote its queue synchronously');
  });
});
