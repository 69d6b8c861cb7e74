import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../src/config.js';

describe('configuration', () => {
  it('has working defaults: SQLite in ./data, port 8080, an http issuer', () => {
    const c = loadConfig({});
    assert.equal(c.port, 8080);
    assert.equal(c.host, '127.0.0.1');
    assert.equal(c.issuer, 'http://127.0.0.1:8080');
    assert.deepEqual(c.database, { kind: 'sqlite', path: './data/keygate.sqlite', url: 'sqlite:./data/keygate.sqlite' });
    assert.equal(c.secureCookies, false);
    assert.equal(c.refreshGraceSeconds, 0);
    assert.equal(c.patTtlSeconds, 0);
  });

  it('uses localhost in the issuer for a wildcard HOST, and https issuers mark cookies Secure', () => {
    assert.equal(loadConfig({ HOST: '0.0.0.0', PORT: '9000' }).issuer, 'http://localhost:9000');
    const c = loadConfig({ KEYGATE_ISSUER: 'https://auth.example.com/' });
    assert.equal(c.issuer, 'https://auth.example.com');
    assert.equal(c.secureCookies, true);
  });

  it('refuses an unsupported DATABASE_URL scheme with one clear line', () => {
    assert.throws(() => loadConfig({ DATABASE_URL: 'mysql://x' }), {
      name: 'ConfigError',
      message: 'unsupported DATABASE_URL scheme "mysql": use sqlite:<path> or postgres://…',
    });
  });

  it('says which variable is wrong', () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ PORT: 'abc' }, /^PORT must be a whole number from 0 to 65535, got "abc"$/],
      [{ PORT: '70000' }, /^PORT must be/],
      [{ KEYGATE_REFRESH_GRACE: '11' }, /^KEYGATE_REFRESH_GRACE must be a whole number from 0 to 10/],
      [{ KEYGATE_ACCESS_TOKEN_TTL: '-5' }, /^KEYGATE_ACCESS_TOKEN_TTL/],
      [{ KEYGATE_ISSUER: 'not a url' }, /^KEYGATE_ISSUER/],
      [{ REDIS_URL: 'http://x' }, /^REDIS_URL/],
      [{ KEYGATE_ADMIN_PASSWORD: 'short' }, /^KEYGATE_ADMIN_PASSWORD must be at least 8/],
    ];
    for (const [env, message] of cases) {
      assert.throws(() => loadConfig(env), (err: unknown) => err instanceof ConfigError && message.test(err.message) && !err.message.includes('\n'));
    }
  });

  it('clamps the default PAT lifetime to KEYGATE_PAT_MAX_TTL', () => {
    const c = loadConfig({ KEYGATE_PAT_MAX_TTL: '86400' });
    assert.equal(c.patMaxTtlSeconds, 86400);
    assert.equal(c.patTtlSeconds, 86400);
  });
});
