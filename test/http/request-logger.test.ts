import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import Fastify from 'fastify';
import pino from 'pino';
import { deferredChildLogger } from '../../src/http/request-logger.js';

/** A Fastify app logging JSON lines into an array through the deferred child logger. */
async function appLogging(level: string) {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const app = Fastify({ loggerInstance: pino({ level }, stream), childLoggerFactory: deferredChildLogger });
  app.get('/quiet', async () => ({ ok: true }));
  app.get('/chatty', async (request) => {
    request.log.info({ step: 1 }, 'info line');
    request.log.warn({ step: 2 }, 'warn line');
    request.log.child({ part: 'inner' }).error('nested line');
    return { level: request.log.level };
  });
  app.get('/broken', async () => {
    throw new Error('boom');
  });
  await app.ready();
  return { app, lines };
}

describe('request logger (built on first use)', () => {
  it('writes the same lines, with the request id, at the enabled levels only', async () => {
    const { app, lines } = await appLogging('warn');
    const res = await app.inject({ url: '/chatty' });
    assert.deepEqual(res.json(), { level: 'warn' });
    assert.deepEqual(lines.map((l) => l.msg), ['warn line', 'nested line']);
    const [warn, nested] = lines;
    assert.equal(typeof warn!.reqId, 'string');
    assert.equal(warn!.step, 2);
    assert.equal(nested!.reqId, warn!.reqId);
    assert.equal(nested!.part, 'inner');
    await app.close();
  });

  it("keeps Fastify's own request lines and error logs at info", async () => {
    const { app, lines } = await appLogging('info');
    await app.inject({ url: '/quiet' });
    const broken = await app.inject({ url: '/broken' });
    assert.equal(broken.statusCode, 500);
    const ids = new Set(lines.map((l) => l.reqId));
    assert.equal(ids.size, 2, 'one request id per request');
    assert.ok(lines.some((l) => l.msg === 'incoming request'));
    assert.ok(lines.some((l) => l.msg === 'request completed'));
    const error = lines.find((l) => l.level === 50);
    assert.ok(error, 'the 500 is logged as an error');
    assert.match(JSON.stringify(error), /boom/);
    await app.close();
  });
});
