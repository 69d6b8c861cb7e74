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
    assert.ok(paths.every((p) => !p.startsWith('/api/') && !p.startsWith('/admin') && !p.startsWith('/profile') && p !== '/openapi.json' && p !== '/login'), paths.join(' '));
    assert.deepEqual(Object.keys(doc.paths['/users/{id}']).sort(), ['delete', 'get', 'put']);
    assert.ok(doc.components.securitySchemes.bearerAuth);
  });

  it('documents the OAuth endpoints at the issuer, with their bodies and RFC 6749 errors, and links back to the console', () => {
    for (const [path, method] of [['/oauth/token', 'post'], ['/oauth/revoke', 'post'], ['/oauth/introspect', 'post'], ['/oauth/device_authorization', 'post'], ['/.well-known/oauth-authorization-server', 'get']] as const) {
      const op = doc.paths[path]?.[method];
      assert.ok(op, `${method} ${path} is documented`);
      assert.deepEqual(op.servers, [{ url: server.baseUrl }], `${path} is served at the issuer, not under /api/1.0`);
      assert.deepEqual(op.tags, ['OAuth 2.0']);
      assert.ok(op.summary);
    }
    const token = doc.paths['/oauth/token'].post;
    assert.deepEqual(Object.keys(token.requestBody.content).sort(), ['application/json', 'application/x-www-form-urlencoded']);
    const grant = token.requestBody.content['application/x-www-form-urlencoded'].schema.properties.grant_type;
    assert.deepEqual([...grant.enum].sort(), ['authorization_code', 'client_credentials', 'password', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code']);
    for (const status of ['200', '400', '401']) assert.ok(token.responses[status], status);
    assert.deepEqual(token.security, [{ clientBasic: [] }, {}]);
    assert.ok(doc.paths['/oauth/revoke'].post.responses['200']);
    assert.equal(doc.components.securitySchemes.clientBasic.scheme, 'basic');
    assert.match(doc.info.description, /\(\/admin\/auth-clients\)/, 'a link back to the console');
  });

  it('documents the OAuth endpoints without changing them: the token endpoint still answers RFC 6749 errors', async () => {
    const res = await fetch(`${server.baseUrl}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ grant_type: ['password'] }) });
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as { error: string }).error, 'invalid_request');
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
