/**
 * The README's device-flow lines ("OAuth 2.0 grants (curl)"), read from README.md and run as they
 * are — the `keygate client:create` line with the built CLI, each curl line with bash and curl —
 * against a live server on SQLite and PostgreSQL, with the user's step done over HTTP on /device:
 * approval gives tokens that work, denial gives access_denied, and an expired code expired_token.
 * If the README changes so the lines no longer work, this fails.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { createUser, startServer, type TestServer } from '../helpers/app.js';
import { WebClient } from '../helpers/http.js';
import { CLI } from '../helpers/spawn.js';
import { storeKinds } from '../helpers/stores.js';
import { answerDevice, me } from './oauth-helpers.js';

const run = promisify(execFile);

/** The sh block that starts with "# Device authorization", as commands (continuation lines joined). */
function readmeDeviceCommands(): { create: string; start: string; poll: string } {
  const readme = readFileSync(join(process.cwd(), 'README.md'), 'utf8');
  const block = /```sh\n(# Device authorization[^\n]*\n[\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(block, 'README has the device-flow block');
  const commands = block
    .replace(/\\\n\s*/g, '')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('curl ') || l.startsWith('npx keygate '));
  const create = commands.find((c) => c.startsWith('npx keygate client:create'));
  const start = commands.find((c) => c.includes('/oauth/device_authorization'));
  const poll = commands.find((c) => c.includes('grant-type:device_code'));
  assert.ok(create && start && poll, `the block has the three commands: ${commands.join(' | ')}`);
  return { create, start, poll };
}

for (const kind of storeKinds()) {
  describe(`README device flow with curl [${kind}]`, () => {
    const commands = readmeDeviceCommands();
    let server: TestServer;
    let offset = 0;
    let web: WebClient;
    let clientId: string;

    before(async () => {
      server = await startServer(kind, { now: () => Date.now() + offset });
      const leo = await createUser(server.ctx, { username: 'leo' });
      web = new WebClient(server.baseUrl);
      await web.login('leo', leo.password);
      // `npx keygate` is the package's bin: the built CLI.
      const args = commands.create.replace(/^npx keygate /, '').match(/"[^"]*"|\S+/g)!.map((a) => a.replace(/^"|"$/g, ''));
      const made = await run(process.execPath, [CLI, ...args], { env: { ...process.env, DATABASE_URL: server.db.url, LOG_LEVEL: 'silent' } });
      clientId = (JSON.parse(made.stdout) as { id: string }).id;
    });
    after(async () => server?.close());

    const sh = async (command: string, env: Record<string, string>): Promise<Record<string, string>> => {
      const { stdout } = await run('bash', ['-c', command], { env: { PATH: process.env.PATH ?? '', KG: server.baseUrl, CLIENT_ID: clientId, ...env } });
      return JSON.parse(stdout) as Record<string, string>;
    };
    const startDevice = async () => {
      const started = await sh(commands.start, {});
      assert.match(started.device_code ?? '', /^kg_dc_/);
      return started as { device_code: string; user_code: string };
    };

    it('approval: pending, then tokens that work', async () => {
      const started = await startDevice();
      assert.equal((await sh(commands.poll, { DEVICE_CODE: started.device_code })).error, 'authorization_pending');
      await answerDevice(web, started.user_code, 'authorize');
      offset += 6_000; // one interval later, as the README says
      const tokens = await sh(commands.poll, { DEVICE_CODE: started.device_code });
      assert.ok(tokens.access_token && tokens.refresh_token, JSON.stringify(tokens));
      assert.equal(await me(server.baseUrl, tokens.access_token), 200);
      offset += 6_000;
      assert.equal((await sh(commands.poll, { DEVICE_CODE: started.device_code })).error, 'invalid_grant', 'the code works once');
    });

    it('denial: access_denied', async () => {
      const started = await startDevice();
      await answerDevice(web, started.user_code, 'deny');
      assert.equal((await sh(commands.poll, { DEVICE_CODE: started.device_code })).error, 'access_denied');
    });

    it('expiry: expired_token after 10 minutes', async () => {
      const started = await startDevice();
      offset += 601_000;
      assert.equal((await sh(commands.poll, { DEVICE_CODE: started.device_code })).error, 'expired_token');
    });
  });
}
