/** The Auth Client rules on their own: names, grant types, redirect URLs, public clients, extras. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CLIENT_MESSAGES as M, changedClientFields, redirectProblem, splitRedirects, validateClientRequest } from '../../src/domain/client-rules.js';

const errorsOf = (input: Parameters<typeof validateClientRequest>[0], options?: Parameters<typeof validateClientRequest>[1]) => {
  const r = validateClientRequest(input, options);
  return r.ok ? {} : r.errors;
};

describe('client rules', () => {
  it('accepts a full request, trims the name, keeps type order and drops duplicates', () => {
    const r = validateClientRequest({
      name: '  App ',
      types: ['client_credentials_grant', 'authorization_code_grant', 'client_credentials_grant'],
      redirect: 'https://a.example/cb, https://a.example/cb,http://[::1]:9000/cb',
      trusted: true,
      introspect_all: false,
      permissions: ['view-auth_clients', 'view-auth_clients'],
    });
    assert.deepEqual(r, {
      ok: true,
      value: {
        name: 'App',
        types: ['authorization_code_grant', 'client_credentials_grant'],
        redirect: ['https://a.example/cb', 'http://[::1]:9000/cb'],
        confidential: true,
        trusted: true,
        introspectAll: false,
        permissions: ['view-auth_clients'],
      },
    });
  });

  it('requires a name of at most 255 characters', () => {
    assert.deepEqual(errorsOf({ types: ['password_client'] }).name, [M.nameRequired]);
    assert.deepEqual(errorsOf({ name: ' \t', types: ['password_client'] }).name, [M.nameRequired]);
    assert.deepEqual(errorsOf({ name: 'x'.repeat(256), types: ['password_client'] }).name, [M.nameTooLong]);
    assert.deepEqual(errorsOf({ name: 'x'.repeat(255), types: ['password_client'] }), {});
    assert.deepEqual(errorsOf({ name: ['a'], types: ['password_client'] }).name, [M.nameString]);
  });

  it('requires at least one known grant type', () => {
    assert.deepEqual(errorsOf({ name: 'a' }).types, ['Choose at least one grant type.']);
    assert.deepEqual(errorsOf({ name: 'a', types: 'password_client' }).types, [M.typesRequired]);
    assert.deepEqual(errorsOf({ name: 'a', types: ['password_client', 'implicit'] }).types, [M.typesInvalid]);
  });

  it('checks redirect URLs: required with the code grant, absolute, https or loopback http, no fragment', () => {
    const code = { name: 'a', types: ['authorization_code_grant'] };
    assert.deepEqual(errorsOf(code).redirect, ['The Redirect field is required.']);
    assert.deepEqual(errorsOf({ ...code, redirect: [] }).redirect, [M.redirectRequired]);
    assert.deepEqual(errorsOf({ ...code, redirect: 'cb' }).redirect, ['The Redirect field must be a valid URL.']);
    assert.deepEqual(errorsOf({ ...code, redirect: { url: 'x' } }).redirect, [M.redirectInvalid]);
    assert.deepEqual(errorsOf({ ...code, redirect: Array.from({ length: 21 }, (_, i) => `https://a.example/${i}`) }).redirect, [M.redirectTooMany]);
    assert.equal(redirectProblem('https://app.example.com/cb?x=1'), null);
    for (const ok of ['http://localhost/cb', 'http://127.0.0.1:5000/cb', 'http://[::1]/cb', 'https://localhost/cb']) assert.equal(redirectProblem(ok), null, ok);
    for (const scheme of ['http://example.com/cb', 'http://127.0.0.2/cb', 'ftp://example.com/cb', 'javascript:alert(1)', 'com.example.app:/cb']) {
      assert.equal(redirectProblem(scheme), M.redirectScheme, scheme);
    }
    for (const bad of ['/cb', 'https://', 'https://user:pw@example.com/cb', 'https://exa mple.com', 'https://app.example\\@evil.example/cb', 'https://app.example/cb\\..\\x', `https://e.example/${'x'.repeat(2000)}`]) {
      assert.equal(redirectProblem(bad), M.redirectInvalid, bad);
    }
    assert.equal(redirectProblem('https://a.example/cb#frag'), M.redirectFragment);
    assert.equal(redirectProblem('https://a.example/cb#'), M.redirectFragment);
  });

  it('says which of several redirect URLs is wrong, one message each', () => {
    const lines = 'https://ok.example/cb\nhttp://evil.example/cb\nnot a url\nhttps://a.example/cb#x';
    assert.deepEqual(errorsOf({ name: 'a', types: ['authorization_code_grant'], redirect: lines }).redirect, [
      'Redirect URL 2 (http://evil.example/cb) must use https (http is allowed only for localhost, 127.0.0.1 and [::1]).',
      'Redirect URL 3 (not a url) is not a valid absolute URL.',
      'Redirect URL 4 (https://a.example/cb#x) must not contain a fragment (#).',
    ]);
    const long = `http://e.example/${'x'.repeat(200)}`;
    const [message] = errorsOf({ name: 'a', types: ['authorization_code_grant'], redirect: [long, 'http://x.example'] }).redirect!;
    assert.ok(message!.length < 200 && message!.includes('…'), message);
  });

  it('keeps no redirect without the code grant', () => {
    const r = validateClientRequest({ name: 'a', types: ['password_client'], redirect: 'https://a.example/cb' });
    assert.ok(r.ok);
    assert.deepEqual(r.value.redirect, []);
  });

  it('splits redirects on commas and new lines', () => {
    assert.deepEqual(splitRedirects('https://a/1\r\nhttps://a/2,\n https://a/3 '), ['https://a/1', 'https://a/2', 'https://a/3']);
    assert.deepEqual(splitRedirects(['https://a/1', 'https://a/2']), ['https://a/1', 'https://a/2']);
    assert.equal(splitRedirects([1]), null);
    assert.deepEqual(splitRedirects(undefined), []);
  });

  it('a public client may hold only the authorization code grant; confidential cannot change on update', () => {
    const base = { name: 'a', redirect: 'https://a.example/cb', confidential: false };
    assert.deepEqual(errorsOf({ ...base, types: ['authorization_code_grant'] }), {});
    assert.deepEqual(errorsOf({ ...base, types: ['authorization_code_grant', 'client_credentials_grant'] }).confidential, [M.publicClientTypes]);
    assert.deepEqual(errorsOf({ name: 'a', types: ['password_client'], confidential: 'no' }).confidential, [M.booleanField('Confidential')]);
    assert.deepEqual(errorsOf({ name: 'a', types: ['password_client'], confidential: false }, { fixedConfidential: true }).confidential, [M.confidentialFixed]);
    const kept = validateClientRequest({ name: 'a', types: ['authorization_code_grant'], redirect: 'https://a.example/cb' }, { fixedConfidential: false });
    assert.ok(kept.ok && kept.value.confidential === false);
  });

  it('checks trusted, introspect_all and permissions', () => {
    assert.deepEqual(errorsOf({ name: 'a', types: ['password_client'], trusted: 'yes' }).trusted, [M.booleanField('Trusted')]);
    assert.deepEqual(errorsOf({ name: 'a', types: ['password_client'], introspect_all: 1 }).introspect_all, [M.booleanField('Introspect all')]);
    assert.deepEqual(errorsOf({ name: 'a', types: ['password_client'], permissions: ['root'] }).permissions, [M.permissionsInvalid]);
    assert.deepEqual(errorsOf({ name: 'a', types: ['password_client'], permissions: 'view-auth_clients' }).permissions, [M.permissionsInvalid]);
  });

  it('lists the changed fields with their new (non-secret) values', () => {
    const before = {
      name: 'A', types: ['password_client'], redirect: [], trusted: false, introspectAll: false, permissions: ['view-auth_clients'],
      scopes: ['api', 'api:read'], requirePkce: false, allowedOrigins: [],
    };
    assert.deepEqual(changedClientFields(before, { ...before }), {});
    assert.deepEqual(changedClientFields(before, { ...before, name: 'B', trusted: true, permissions: ['view-auth_clients'] }), { name: 'B', trusted: true });
    assert.deepEqual(changedClientFields(before, { ...before, types: ['authorization_code_grant'], redirect: ['https://a/cb'] }), {
      types: ['authorization_code_grant'],
      redirect: ['https://a/cb'],
    });
  });
});
