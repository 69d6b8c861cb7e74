/**
 * client:show, client:update, client:secret, pat:create and user:list through the built CLI, against
 * a running server's store (SQLite and PostgreSQL): each reaches the same service operation as the
 * API, so its rules hold (removing a grant revokes that grant's tokens on the running server), and
 * bad input gives one clear line and a non-zero exit.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CLI_ACTOR } from '../../src/services/actor.js';
import { createClient, createUser, startServer, type TestServer } from '../helpers/app.js';
import { mintToken } from '../helpers/mint-token.js';
import { CLI, run } from '../helpers/spawn.js';
import { storeKinds } from '../helpers/stores.js';

const NEW_COMMANDS = ['user:list', 'client:show', 'client:update', 'client:secret', 'pat:create'];

describe('keygate client and token commands: help', () => {
  it('lists each new command, and each has --help', async () => {
    const list = await run(CLI, ['--help']);
    for (const name of NEW_COMMANDS) {
      assert.match(list.stdout, new RegExp(`\\b${name}\\b`));
      const res = await run(CLI, [name, '--help']);
      assert.equal(res.code, 0, `${name}: ${res.stderr}`);
      assert.match(res.stdout, new RegExp(`Usage: keygate ${name}`));
    }
  });

  it('refuses bad arguments before opening any store', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['client:show'], /--id is required/],
      [['client:update', '--id', 'x'], /nothing to change/],
      [['client:update', '--id', 'x', '--password-grant', '--no-password-grant'], /either --password-grant or --no-password-grant/],
      [['client:update', '--id', 'x', '--redirect', 'https://a.example/cb', '--no-authorization-code'], /either --redirect or --no-authorization-code/],
      [['client:update', '--id', 'x', '--redirect', ' , '], /--redirect needs at least one URL/],
      [['client:update', '--id', 'x', '--device'], /--device/],
      [['client:secret', '--id', 'x', '--grace', '-5'], /--grace/],
      [['pat:create', '--name', 'n'], /--username is required/],
      [['pat:create', '--username', 'u'], /--name is required/],
    ];
    // Usage errors exit 2; a value out of range exits 1 (as client:list's --per-page always has).
    const ranges: Array<[string[], RegExp]> = [
      [['client:secret', '--id', 'x', '--grace', '90000'], /--grace must be a whole number from 0 to 86400/],
      [['pat:create', '--username', 'u', '--name', 'n', '--expires-in', 'soon'], /--expires-in must be a whole number from 1 to 36500/],
      [['user:list', '--per-page', '0'], /--per-page must be a whole number from 1 to 100/],
    ];
    for (const [args, message, code] of [...cases.map((c) => [...c, 2] as const), ...ranges.map((c) => [...c, 1] as const)]) {
      const res = await run(CLI, args, { DATABASE_URL: 'sqlite:/nonexistent-dir/never-opened.sqlite' });
      assert.equal(res.code, code, `${args.join(' ')}: ${res.stderr}`);
      assert.equal(res.stderr.trim().split('\n').length, 1, res.stderr);
      assert.match(res.stderr, message, args.join(' '));
    }
  });
});

for (const kind of storeKinds()) {
  describe(`keygate client and token commands [${kind}]`, () => {
    let server: TestServer;
    let env: Record<string, string>;
    const me = (token: string) => fetch(`${server.baseUrl}/api/1.0/users/me`, { headers: { authorization: `Bearer ${token}` } });
    /** Refused on the next request (SQLite), or once NOTIFY arrives on PostgreSQL (bound: 1 s). */
    async function refusedSoon(token: string): Promise<void> {
      const started = Date.now();
      while ((await me(token)).status !== 401) {
        assert.ok(kind === 'postgres' && Date.now() - started < 1000, 'refused on the next request (SQLite) or within 1 s (PostgreSQL)');
        await new Promise((r) => setTimeout(r, 10));
      }
    }
    const clientCredentials = (id: string, secret: string) =>
      fetch(`${server.baseUrl}/oauth/token`, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials',
      });

    before(async () => {
      server = await startServer(kind);
      env = { DATABASE_URL: server.db.url };
    });
    after(() => server?.close());

    it('client:show finds a client by id or by name, in text and JSON, never with its secret', async () => {
      const { client, secret } = await createClient(server.ctx, { name: 'Show Me', types: ['client_credentials_grant', 'authorization_code_grant'], redirect: ['https://show.example/cb'] });
      await mintToken(server.ctx, { userId: null, clientId: client.id });
      const byName = await run(CLI, ['client:show', '--id', 'show me', '--json'], env);
      assert.equal(byName.code, 0, byName.stderr);
      const out = JSON.parse(byName.stdout);
      assert.equal(out.id, client.id);
      assert.deepEqual(out.redirect, ['https://show.example/cb']);
      assert.equal(out.active_tokens, 1);
      assert.ok(!byName.stdout.includes(secret!) && !('secret' in out));
      const byId = await run(CLI, ['client:show', '--id', client.id], env);
      assert.match(byId.stdout, /name {12}Show Me\n/);
      assert.match(byId.stdout, /active tokens {3}1\n/);
      const missing = await run(CLI, ['client:show', '--id', 'no such client'], env);
      assert.equal(missing.code, 1, missing.stderr);
      assert.equal(missing.stderr.trim(), 'keygate client:show: No Auth Client with the id or name "no such client".');
    });

    it('client:update removing a grant revokes its tokens on the running server, as the API PUT does', async () => {
      const { client } = await createClient(server.ctx, { name: 'Desktop', types: ['password_client', 'client_credentials_grant'] });
      const passwordToken = await mintPasswordToken(server, client.id);
      const serviceToken = await mintToken(server.ctx, { userId: null, clientId: client.id });
      assert.equal((await me(passwordToken)).status, 200, 'cached by the server');
      const res = await run(CLI, ['client:update', '--id', 'desktop', '--no-password-grant', '--name', 'Desktop (no password)', '--json'], env);
      assert.equal(res.code, 0, res.stderr);
      const out = JSON.parse(res.stdout);
      assert.deepEqual(out.types, ['client_credentials_grant']);
      assert.equal(out.name, 'Desktop (no password)');
      assert.equal(out.tokens_revoked, 1);
      await refusedSoon(passwordToken);
      const other = await fetch(`${server.baseUrl}/api/1.0/users/me`, { headers: { authorization: `Bearer ${serviceToken}` } });
      assert.equal(other.status, 403, 'the client-credentials token still works (403 only because /users/me needs a user)');
      // The same audit events as the API: the update and the bulk revocation, by the CLI.
      const events = await server.ctx.services.auditLog.list(CLI_ACTOR, { page: 1, perPage: 20 });
      const mine = events.data.filter((e) => e.actor.name === 'cli' && (e.subjectId === client.id || (e.details as { filter?: { client_id?: string } }).filter?.client_id === client.id));
      assert.deepEqual(mine.map((e) => e.type).filter((t) => t !== 'client.created').sort(), ['client.updated', 'token.bulk_revoked']);
      // Adding the grant back revives nothing.
      const back = await run(CLI, ['client:update', '--id', client.id, '--password-grant'], env);
      assert.equal(back.code, 0, back.stderr);
      assert.equal((await me(passwordToken)).status, 401);
    });

    it('client:update replaces the redirect URLs, and drops them with the code grant', async () => {
      const { client } = await createClient(server.ctx, { name: 'Redirects', types: ['client_credentials_grant'] });
      const add = await run(CLI, ['client:update', '--id', 'redirects', '--redirect', 'https://r.example/one,https://r.example/two'], env);
      assert.equal(add.code, 0, add.stderr);
      assert.match(add.stdout, /grants: {3}authorization_code_grant, client_credentials_grant/);
      const replace = await run(CLI, ['client:update', '--id', 'redirects', '--redirect', 'https://r.example/three', '--json'], env);
      assert.deepEqual(JSON.parse(replace.stdout).redirect, ['https://r.example/three']);
      const drop = await run(CLI, ['client:update', '--id', client.id, '--no-authorization-code', '--json'], env);
      const dropped = JSON.parse(drop.stdout);
      assert.deepEqual([dropped.types, dropped.redirect], [['client_credentials_grant'], []]);
      const bad = await run(CLI, ['client:update', '--id', client.id, '--redirect', 'http://evil.example/cb,ftp://x.example'], env);
      assert.equal(bad.code, 1, bad.stderr);
      assert.equal(bad.stderr.trim().split('\n').length, 1);
      assert.match(bad.stderr, /Redirect URL 1 \(http:\/\/evil\.example\/cb\) must use https .* Redirect URL 2 \(ftp:\/\/x\.example\) must use https/);
      const none = await run(CLI, ['client:update', '--id', client.id, '--no-client-credentials'], env);
      assert.equal(none.code, 1, none.stderr);
      assert.match(none.stderr, /Choose at least one grant type\./);
      const taken = await run(CLI, ['client:update', '--id', client.id, '--name', 'desktop (NO password)'], env);
      assert.equal(taken.code, 1, taken.stderr);
      assert.match(taken.stderr, /The Name has already been taken\./);
    });

    it('client:secret prints a new secret once; the old one stops at once unless a grace period is asked for', async () => {
      const { client, secret } = await createClient(server.ctx, { name: 'Rotating', types: ['client_credentials_grant'] });
      assert.equal((await clientCredentials(client.id, secret!)).status, 200);
      const res = await run(CLI, ['client:secret', '--id', 'rotating', '--json'], env);
      assert.equal(res.code, 0, res.stderr);
      const fresh = JSON.parse(res.stdout).secret as string;
      assert.match(fresh, /^kg_cs_/);
      assert.equal((await clientCredentials(client.id, fresh)).status, 200);
      assert.equal((await clientCredentials(client.id, secret!)).status, 401, 'the default grace is 0: a leaked secret ends at once');
      const graced = await run(CLI, ['client:secret', '--id', client.id, '--grace', '3600'], env);
      assert.equal(graced.code, 0, graced.stderr);
      const newest = /secret: (kg_cs_\S+)/.exec(graced.stdout)![1]!;
      assert.match(graced.stdout, /Copy it now: it won't be shown again\.\nThe old secret keeps working for 3600 seconds\./);
      assert.equal((await clientCredentials(client.id, fresh)).status, 200, 'the previous secret works during the grace period');
      assert.equal((await clientCredentials(client.id, newest)).status, 200);
      const publicClient = await createClient(server.ctx, { name: 'SPA', types: ['authorization_code_grant'], redirect: ['https://spa.example/cb'], confidential: false });
      const refused = await run(CLI, ['client:secret', '--id', publicClient.client.id], env);
      assert.equal(refused.code, 1, refused.stderr);
      assert.match(refused.stderr, /A public client has no secret to regenerate\./);
    });

    it('pat:create prints a working token once, with the scopes and expiry asked for', async () => {
      await createUser(server.ctx, { username: `paula-${kind}` });
      const res = await run(CLI, ['pat:create', '--username', `PAULA-${kind}`, '--name', 'CI deploy', '--scope', 'api:read', '--expires-in', '30', '--json'], env);
      assert.equal(res.code, 0, res.stderr);
      const out = JSON.parse(res.stdout);
      assert.match(out.access_token, /^kg_pat_/);
      assert.deepEqual(out.token.scopes, ['api:read']);
      const days = (Date.parse(out.token.expires_at) - Date.now()) / 86_400_000;
      assert.ok(days > 29.9 && days <= 30, String(days));
      const used = await me(out.access_token);
      assert.equal(used.status, 200);
      assert.equal(((await used.json()) as { username: string }).username, `paula-${kind}`);
      const write = await fetch(`${server.baseUrl}/api/1.0/oauth/clients`, { method: 'POST', headers: { authorization: `Bearer ${out.access_token}`, 'content-type': 'application/json' }, body: '{}' });
      assert.equal(write.status, 403, 'api:read may not write');
      const text = await run(CLI, ['pat:create', '--username', `paula-${kind}`, '--name', 'laptop'], env);
      assert.match(text.stdout, /^Created personal access token "laptop" for paula-\w+ \(scopes api, expires never\)\n {2}token: kg_pat_\S+\nCopy it now/);
      const cases: Array<[string[], RegExp]> = [
        [['--username', 'nobody', '--name', 'x'], /No user with the id or username "nobody"\./],
        [['--username', `paula-${kind}`, '--name', 'x', '--scope', 'admin'], /The scope "admin" is not one this client may request\./],
        [['--username', `paula-${kind}`, '--name', '   '], /The Name field is required\./],
        [['--username', `paula-${kind}`, '--name', 'x', '--client', 'Rotating'], /personal_access_client|Personal Access/i],
      ];
      for (const [args, message] of cases) {
        const bad = await run(CLI, ['pat:create', ...args], env);
        assert.equal(bad.code, 1, args.join(' '));
        assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
        assert.match(bad.stderr, message);
      }
    });

    it('user:list lists users in text and JSON, and says how to see the next page', async () => {
      const json = await run(CLI, ['user:list', '--json'], env);
      assert.equal(json.code, 0, json.stderr);
      const out = JSON.parse(json.stdout);
      const admin = out.data.find((u: { username: string }) => u.username === 'admin');
      assert.equal(admin.administrator, true);
      assert.ok(out.meta.total >= 2);
      const paged = await run(CLI, ['user:list', '--per-page', '1', '--filter', 'a'], env);
      assert.match(paged.stdout, /1 of \d+ shown \(page 1 of \d+\)\nNext page: keygate user:list --filter a --per-page 1 --page 2\n$/);
      const none = await run(CLI, ['user:list', '--filter', 'zzz-nobody'], env);
      assert.equal(none.stdout, 'No user matches "zzz-nobody".\n');
    });
  });
}

/** An access token issued through the password grant's origin, straight into the store. */
async function mintPasswordToken(server: TestServer, clientId: string): Promise<string> {
  const { displayPrefix, hashSecret, issueSecret } = await import('../../src/domain/secret.js');
  const token = issueSecret('accessToken');
  await server.ctx.tokens.insertToken({
    tokenHash: hashSecret(token), kind: 'access_token', prefix: displayPrefix(token), clientId, userId: server.admin.id,
    scopes: ['api'], origin: 'password', createdAt: Date.now(), expiresAt: Date.now() + 3600e3,
  });
  return token;
}
