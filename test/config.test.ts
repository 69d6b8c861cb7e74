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

  it('names the variable at fault for a bad HOST, and refuses an explicit PAT lifetime above the cap', () => {
    assert.throws(() => loadConfig({ HOST: '999.1.1.1' }), { name: 'ConfigError', message: 'HOST must be an IP address or a host name, got "999.1.1.1"' });
    assert.throws(() => loadConfig({ HOST: 'bad host' }), /^ConfigError: HOST must be/);
    assert.equal(loadConfig({ HOST: '::1' }).issuer, 'http://[::1]:8080');
    assert.equal(loadConfig({ HOST: 'keygate.internal' }).host, 'keygate.internal');
    assert.throws(() => loadConfig({ KEYGATE_PAT_TTL: '100', KEYGATE_PAT_MAX_TTL: '50' }), /^ConfigError: KEYGATE_PAT_TTL \(100\) must not exceed KEYGATE_PAT_MAX_TTL \(50\)/);
    assert.throws(() => loadConfig({ KEYGATE_PAT_TTL: '0', KEYGATE_PAT_MAX_TTL: '50' }), /^ConfigError: KEYGATE_PAT_TTL \(0 = never\) must not exceed/);
    assert.equal(loadConfig({ KEYGATE_PAT_TTL: '40', KEYGATE_PAT_MAX_TTL: '50' }).patTtlSeconds, 40);
  });

  it('reads the operations settings, with their defaults', () => {
    const d = loadConfig({});
    assert.equal(d.sessionIdleSeconds, 7200);
    assert.equal(d.trustProxy, false);
    assert.equal(d.requestTimeoutSeconds, 30);
    assert.equal(d.maxConnections, 10_000);
    assert.equal(d.secretKey, undefined);
    assert.equal(d.dbWaitSeconds, 30);
    assert.equal(d.workers, 1);
    assert.equal(d.metricsToken, undefined);
    assert.equal(loadConfig({ KEYGATE_TRUST_PROXY: 'true' }).trustProxy, true);
    assert.equal(loadConfig({ KEYGATE_TRUST_PROXY: '2' }).trustProxy, 2);
    assert.deepEqual(loadConfig({ KEYGATE_TRUST_PROXY: '10.0.0.0/8, 127.0.0.1,::1' }).trustProxy, ['10.0.0.0/8', '127.0.0.1', '::1']);
    assert.ok(loadConfig({ KEYGATE_WORKERS: 'auto' }).workers >= 1);
    assert.equal(loadConfig({ KEYGATE_WORKERS: '3' }).workers, 3);
    const bad: Array<[Record<string, string>, RegExp]> = [
      [{ KEYGATE_TRUST_PROXY: 'proxy.example' }, /^KEYGATE_TRUST_PROXY/],
      [{ KEYGATE_TRUST_PROXY: '10.0.0.0/40' }, /^KEYGATE_TRUST_PROXY/],
      [{ KEYGATE_WORKERS: 'many' }, /^KEYGATE_WORKERS/],
      [{ KEYGATE_WORKERS: '0' }, /^KEYGATE_WORKERS/],
      [{ KEYGATE_SECRET_KEY: 'short' }, /^KEYGATE_SECRET_KEY must be at least 32/],
      [{ KEYGATE_METRICS_TOKEN: 'abc' }, /^KEYGATE_METRICS_TOKEN/],
      [{ KEYGATE_REQUEST_TIMEOUT: '0' }, /^KEYGATE_REQUEST_TIMEOUT/],
      [{ KEYGATE_SESSION_IDLE: 'x' }, /^KEYGATE_SESSION_IDLE/],
      [{ KEYGATE_DB_WAIT: '-1' }, /^KEYGATE_DB_WAIT/],
      [{ KEYGATE_MAX_CONNECTIONS: '0' }, /^KEYGATE_MAX_CONNECTIONS/],
    ];
    for (const [env, message] of bad) {
      assert.throws(() => loadConfig(env), (err: unknown) => err instanceof ConfigError && message.test(err.message), JSON.stringify(env));
    }
  });

  it('clamps the default PAT lifetime to KEYGATE_PAT_MAX_TTL', () => {
    const c = loadConfig({ KEYGATE_PAT_MAX_TTL: '86400' });
    assert.equal(c.patMaxTtlSeconds, 86400);
    assert.equal(c.patTtlSeconds, 86400);
  });
});
