/**
 * /api/1.0/openapi.json is public, generated from the route schemas, and validates as OpenAPI 3.1;
 * every /api/1.0 route is in it with its parameters and responses.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { startServer, type TestServer } from '../helpers/app.js';
import { WebClient } from '../helpers/http.js';

describe('OpenAPI document', () => {
  let server: TestServer;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let doc: any;
  before(async () => {
    server = await startServer('sqlite');
    const res = await new WebClient(server.baseUrl).get('/api/1.0/openapi.json');
    assert.equal(res.status, 200, 'served without a token');
    assert.match(res.headers.get('content-type') ?? '', /application\/json/);
    doc = res.json();
  });
  after(() => server.close());

  it('validates as OpenAPI 3.1', async () => {
    assert.equal(doc.openapi, '3.1.0');
    const validator = new Validator();
    const result = await validator.validate(structuredClone(doc));
    assert.deepEqual(result.errors ?? [], [], 'no schema errors');
    assert.equal(result.valid, true);
    assert.equal(validator.version, '3.1');
  });

  it('documents the API routes (and only them) with the prefix in the server URL', () => {
    assert.equal(doc.servers[0].url, `${server.baseUrl}/api/1.0`);
    const paths = Object.keys(doc.paths);
    for (const p of ['/users/me', '/users', '/users/{id}', '/users/{id}/tokens', '/users/{id}/tokens/{tokenId}', '/tokens', '/tokens/revoke']) {
      assert.ok(paths.includes(p), `${p} is documented`);
    }
    assert.ok(paths.every((p) => !p.startsWith('/api/') && !p.startsWith('/admin') && !p.startsWith('/oauth/token') && p !== '/openapi.json'), paths.join(' '));
    assert.deepEqual(Object.keys(doc.paths['/users/{id}']).sort(), ['delete', 'get', 'put']);
    assert.ok(doc.components.securitySchemes.bearerAuth);
  });

  it('declares parameters, bodies and responses for every operation', () => {
    for (const [path, item] of Object.entries<Record<string, { responses?: Record<string, unknown>; parameters?: Array<{ name: string; in: string }>; requestBody?: unknown }>>(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        assert.ok(op.responses && Object.keys(op.responses).some((s) => s.startsWith('2')), `${method} ${path} declares a success response`);
        for (const name of path.match(/\{(\w+)\}/g) ?? []) {
          assert.ok(op.parameters?.some((p) => p.in === 'path' && `{${p.name}}` === name), `${method} ${path} declares ${name}`);
        }
        if (method === 'post' && path !== '/oauth/clients/{id}/secret') assert.ok(op.requestBody, `${method} ${path} declares its body`);
      }
    }
    const create = doc.paths['/users/{id}/tokens'].post;
    assert.ok(create.responses['201']);
    assert.ok(create.responses['422']);
    const list = doc.paths['/tokens'].get.parameters.map((p: { name: string }) => p.name);
    for (const name of ['client', 'user', 'kind', 'older_than_days', 'unused_days', 'page', 'per_page']) assert.ok(list.includes(name), name);
  });
});
