/**
 * Requests Node's HTTP parser refuses before any route runs (headers too large, a malformed header)
 * are answered like Fastify's default, but with no content for a HEAD request (RFC 9110 §9.3.2):
 * the full-size fuzz found a 20 KB HEAD request whose JSON answer body Node's client read as the
 * next response ("Parse Error: Expected HTTP/").
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startServer, type TestServer } from '../helpers/app.js';
import { rawRequest } from '../../test-reliability/helpers/index.js';

/** Sends raw bytes on a fresh connection and returns everything the server wrote before closing. */
function exchange(baseUrl: string, bytes: string): Promise<string> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => socket.write(bytes));
    let data = '';
    socket.on('data', (d) => (data += d.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => resolve(data));
  });
}

describe('requests the HTTP parser refuses', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer('sqlite');
  });
  after(() => server.close());

  it('answers a HEAD request whose headers are too large with a 431 and no content', async () => {
    const path = `/profile/apps/x/revoke?order_by=${'A'.repeat(20_000)}`;
    const res = await rawRequest(server.baseUrl, { method: 'HEAD', path });
    assert.equal(res.status, 431, "Node's client reads the answer without a parse error");
    assert.equal(res.headers['content-length'], '0');
    const raw = await exchange(server.baseUrl, `HEAD ${path} HTTP/1.1\r\nhost: x\r\n\r\n`);
    assert.match(raw, /^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
    assert.ok(raw.endsWith('\r\n\r\n'), 'nothing after the headers');
  });

  it('keeps the JSON answer for other methods, and answers a malformed HEAD with a 400 and no content', async () => {
    const get = await rawRequest(server.baseUrl, { path: `/login?x=${'A'.repeat(20_000)}` });
    assert.equal(get.status, 431);
    assert.equal(JSON.parse(get.text()).statusCode, 431);
    const malformed = await exchange(server.baseUrl, 'HEAD / HTTP/1.1\r\nhost: x\r\nno colon here\r\n\r\n');
    assert.match(malformed, /^HTTP\/1\.1 400 Bad Request\r\n[\s\S]*Content-Length: 0\r\n[\s\S]*\r\n\r\n$/);
  });

  it('answers 408 and closes the connection when a request has not fully arrived within KEYGATE_REQUEST_TIMEOUT', { timeout: 60_000 }, async () => {
    const slow = await startServer('sqlite', { env: { KEYGATE_REQUEST_TIMEOUT: '1' } });
    try {
      // Headers announce a body that never comes; Node checks open connections every 30 s.
      const started = performance.now();
      const raw = await exchange(slow.baseUrl, 'POST /login HTTP/1.1\r\nhost: x\r\ncontent-type: application/x-www-form-urlencoded\r\ncontent-length: 100\r\n\r\nusername=a');
      assert.match(raw, /^HTTP\/1\.1 408 Request Timeout\r\n/);
      assert.ok(performance.now() - started < 45_000);
    } finally {
      await slow.close();
    }
  });
});

