/**
 * A client's page in Chromium, run as shown: the administrator creates a client with every grant in
 * the console, copies the secret shown once, and each quickstart block — executed by bash and curl
 * against the running server, with only its placeholders filled in — obtains a token: client
 * credentials, password, the authorization code exchange (after Authorize in the browser, for the
 * URL the block prints and for the page's own authorize URL), refresh, and a personal access
 * token through the API.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { QUICKSTART_PLACEHOLDERS as P, shellQuote } from '../../src/http/views/quickstart.js';
import { issuePat, startServer, type TestServer } from '../helpers/app.js';
import { browserSkipReason, launchBrowser } from '../helpers/browser.js';

const skip = browserSkipReason();
const exec = promisify(execFile);
const REDIRECT = 'http://127.0.0.1:9000/callback';

/** Runs lines in bash; returns stdout. */
async function bash(script: string): Promise<string> {
  const { stdout } = await exec('bash', ['-e', '-c', script], { timeout: 20_000 });
  return stdout;
}

/** A block with its placeholders filled in (each is a whole quoted word on its own line). */
function fill(code: string, values: Partial<Record<keyof typeof P, string>>): string {
  let out = code;
  for (const [key, value] of Object.entries(values)) out = out.replace(shellQuote(P[key as keyof typeof P]), shellQuote(value));
  return out;
}

describe('client page quickstart, run as shown', { skip }, () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let secret = '';
  const blocks: Record<string, string> = {};
  const me = (token: string) => fetch(`${server.baseUrl}/api/1.0/users/me`, { headers: { authorization: `Bearer ${token}` } });

  before(async () => {
    server = await startServer('sqlite');
    browser = await launchBrowser();
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    await context.route(`${REDIRECT}**`, (route) => route.fulfill({ status: 200, contentType: 'text/plain', body: 'callback reached' }));
    await page.goto(`${server.baseUrl}/login`);
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill(server.admin.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(/\/admin\/auth-clients$/);

    await page.getByRole('link', { name: '+ Auth Client' }).click();
    await page.getByLabel('Name').fill('Quickstart App');
    for (const label of ['Enable Authorization Code Grant', 'Enable Password Grant', 'Enable Personal Access Tokens', 'Enable Client Credentials Grant']) await page.getByLabel(label).check();
    await page.getByLabel('Redirect URL').fill(REDIRECT);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('#client-secret').waitFor();
    secret = ((await page.locator('#client-secret').textContent()) ?? '').trim();
    for (const id of ['qs-client-credentials', 'qs-password', 'qs-authorization-code', 'qs-refresh', 'qs-personal-access']) {
      blocks[id] = (await page.locator(`#${id}`).textContent()) ?? '';
      assert.ok(blocks[id], `${id} is on the page`);
    }
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  /**
   * The code the browser brought back to the redirect URL after Authorize, for `url`. The flow runs
   * in a tab of its own (same session), closed afterwards: a redirect followed straight from a GET
   * is not always routed, and its failed load to the unserved redirect URL would otherwise land on
   * the next page.goto of the shared tab as "interrupted by another navigation to chrome-error://".
   */
  async function authorizeInBrowser(url: string): Promise<string> {
    const tab = await page.context().newPage();
    try {
      const arrived = tab.waitForRequest((r) => r.url().startsWith(REDIRECT));
      await tab.goto(url).catch(() => {});
      if (!tab.url().startsWith(REDIRECT) && (await tab.getByRole('button', { name: 'Authorize' }).count())) {
        await tab.getByRole('button', { name: 'Authorize' }).click().catch(() => {});
      }
      const back = new URL((await arrived).url());
      assert.equal(back.searchParams.get('iss'), server.baseUrl);
      return back.searchParams.get('code')!;
    } finally {
      await tab.close();
    }
  }

  it('client credentials', async () => {
    const answer = JSON.parse(await bash(fill(blocks['qs-client-credentials']!, { secret })));
    assert.equal(answer.token_type, 'Bearer');
    assert.ok(await server.ctx.tokenCheck.check(answer.access_token), 'a working token');
    assert.equal(answer.refresh_token, undefined);
  });

  let refreshToken = '';
  it('password, then refresh', async () => {
    const answer = JSON.parse(await bash(fill(blocks['qs-password']!, { secret, username: 'admin', password: server.admin.password })));
    assert.equal((await me(answer.access_token)).status, 200);
    refreshToken = answer.refresh_token;
    const refreshed = JSON.parse(await bash(fill(blocks['qs-refresh']!, { secret, refreshToken })));
    assert.equal((await me(refreshed.access_token)).status, 200);
    assert.notEqual(refreshed.refresh_token, refreshToken, 'rotated');
  });

  it('authorization code with PKCE: the URL the block prints, Authorize in the browser, then the exchange it shows', async () => {
    const block = blocks['qs-authorization-code']!;
    const cut = block.indexOf(`CODE=${shellQuote(P.code)}`);
    assert.ok(cut > 0);
    // Steps 1 and 2 as shown (the verifier is printed too, to use in step 3 as the shell would).
    const [url, verifier] = (await bash(`${block.slice(0, cut)}printf '%s\\n' "$VERIFIER"`)).trim().split('\n');
    assert.match(url!, /^http:\/\/127\.0\.0\.1:\d+\/oauth\/authorize\?response_type=code&client_id=[0-9a-f-]{36}&redirect_uri=http%3A%2F%2F127\.0\.0\.1%3A9000%2Fcallback&scope=api&state=[0-9a-f]{32}&code_challenge=[\w-]{43}&code_challenge_method=S256$/);
    const code = await authorizeInBrowser(url!);
    const head = block.slice(0, block.indexOf('# 1.'));
    const exchange = `${head}VERIFIER=${shellQuote(verifier!)}\n${block.slice(cut)}`;
    const answer = JSON.parse(await bash(fill(exchange, { secret, code })));
    assert.equal((await me(answer.access_token)).status, 200);
    assert.match(answer.refresh_token, /^kg_rt_/);
  });

  it("the page's own authorize URL and verifier work with the same exchange", async () => {
    await page.goto(`${server.baseUrl}/admin/auth-clients/${(await server.ctx.clients.findByName('Quickstart App'))!.id}`);
    const url = await page.locator('#authorize-url').getAttribute('href');
    const verifier = (await page.locator('#example-verifier').textContent())!.trim();
    const code = await authorizeInBrowser(url!);
    const block = blocks['qs-authorization-code']!;
    const exchange = `${block.slice(0, block.indexOf('# 1.'))}VERIFIER=${shellQuote(verifier)}\n${block.slice(block.indexOf(`CODE=${shellQuote(P.code)}`))}`;
    const answer = JSON.parse(await bash(fill(exchange, { secret, code })));
    assert.equal((await me(answer.access_token)).status, 200);
  });

  it('a personal access token through the API', async () => {
    // Two clients may issue them now (the first start's and this one): name the one to use.
    const pac = (await server.ctx.clients.findByName('Personal Access Client'))!.id;
    const existing = await issuePat(server.ctx, server.admin.id, { name: 'for the quickstart', clientId: pac });
    const answer = JSON.parse(await bash(fill(blocks['qs-personal-access']!, { personalAccessToken: existing.token })));
    assert.match(answer.access_token, /^kg_pat_/);
    assert.deepEqual(answer.token.scopes, ['api:read']);
    assert.equal(answer.token.client_id, (await server.ctx.clients.findByName('Quickstart App'))!.id);
    assert.equal((await me(answer.access_token)).status, 200);
  });
});
