/**
 * The administrator's Tokens page in Chromium: filter by client (typed), user, kind, age and
 * disuse, see the rotation flag, revoke one token from its row after Confirm (refused by the API on
 * the next call), and bulk-revoke by client with the count shown before Confirm. Also: the
 * administrator creates a PAT for another user on that user's page, and a reload creates no other.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { displayPrefix, hashSecret, issueSecret } from '../../src/domain/secret.js';
import { createClient, createUser, startServer, type TestServer } from '../helpers/app.js';
import { browserSkipReason, launchBrowser, screenshotPath } from '../helpers/browser.js';
import { WebClient } from '../helpers/http.js';

const skip = browserSkipReason();
const DAY = 86_400_000;

describe('Tokens page in Chromium', { skip }, () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  const tokens: Record<string, string> = {};
  const me = (token: string) => new WebClient(server.baseUrl).get('/api/1.0/users/me', { authorization: `Bearer ${token}` });

  before(async () => {
    server = await startServer('sqlite');
    browser = await launchBrowser();
    const kim = await createUser(server.ctx, { username: 'kim' });
    const lou = await createUser(server.ctx, { username: 'lou' });
    const pac = (await server.ctx.clients.findByName('Personal Access Client'))!.id;
    const app = (await createClient(server.ctx, { name: 'Legacy desktop', types: ['password_client'] })).client.id;
    const seed = async (key: string, clientId: string, userId: string, kind: 'access_token' | 'personal_access_token', ageDays: number, name: string | null) => {
      const token = issueSecret(kind === 'access_token' ? 'accessToken' : 'personalAccessToken');
      await server.ctx.tokens.insertToken({
        tokenHash: hashSecret(token), kind, prefix: displayPrefix(token), name, clientId, userId, scopes: ['api'],
        origin: kind === 'access_token' ? 'password' : 'personal_access', createdAt: Date.now() - ageDays * DAY, expiresAt: null,
      });
      tokens[key] = token;
    };
    await seed('kimOld', pac, kim.id, 'personal_access_token', 200, 'old script');
    await seed('kimNew', pac, kim.id, 'personal_access_token', 1, 'new script');
    await seed('kimApp', app, kim.id, 'access_token', 0, null);
    await seed('louApp', app, lou.id, 'access_token', 0, null);
    page = await browser.newPage();
    await page.goto(`${server.baseUrl}/login?next=%2Fadmin%2Ftokens`);
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill(server.admin.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(/\/admin\/tokens$/);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  const rowCount = () => page.locator('tbody tr[data-token-id]').count();

  it('filters by user, kind, age and disuse, and marks tokens older than the rotation policy', async () => {
    assert.equal(await rowCount(), 4);
    const old = page.getByRole('row', { name: /old script/ });
    assert.ok(await old.getByText('Rotate').isVisible(), 'the 200-day-old token is flagged');
    assert.equal(await page.getByRole('row', { name: /new script/ }).getByText('Rotate').count(), 0);

    await page.getByLabel('User').first().fill('kim');
    await page.getByLabel('Kind').selectOption('personal_access_token');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/user=kim/);
    assert.equal(await rowCount(), 2);
    await page.getByLabel('Older than (days)').fill('30');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/older_than_days=30/);
    assert.equal(await rowCount(), 1);
    assert.ok(await page.getByRole('row', { name: /old script/ }).isVisible());
    await page.getByLabel('Older than (days)').fill('');
    await page.getByLabel('Unused for (days)').fill('7');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/unused_days=7/);
    assert.equal(await rowCount(), 1, 'only the never-used 200-day-old token');
    await page.screenshot({ path: screenshotPath('admin-tokens-filtered.png'), fullPage: true });

    // A hand-edited address is answered with an inline error, not a failure.
    await page.goto(`${server.baseUrl}/admin/tokens?older_than_days=abc`);
    await page.getByText('Older than must be a whole number of days.').waitFor();
    await page.getByRole('link', { name: 'Clear' }).click();
    await page.waitForURL(/\/admin\/tokens$/);
    assert.equal(await rowCount(), 4);
  });

  it('filters by client typed as a name, and revokes one token from its row after Confirm', async () => {
    await page.getByLabel('Client').first().fill('legacy DESKTOP');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/client=legacy/);
    assert.equal(await rowCount(), 2);
    const row = page.locator('tbody tr[data-token-id]').filter({ hasText: 'lou' });
    await row.getByRole('link', { name: /^Revoke/ }).click();
    await page.getByRole('heading', { name: 'Revoke token' }).waitFor();
    assert.match((await page.getByRole('alertdialog').textContent()) ?? '', /Legacy desktop[\s\S]*lou/);
    assert.equal((await me(tokens.louApp!)).status, 200, 'nothing is revoked before Confirm');
    await page.screenshot({ path: screenshotPath('admin-tokens-revoke-one.png') });
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.waitForURL(/\/admin\/tokens$/);
    assert.equal((await page.getByRole('status').first().textContent())?.trim(), 'Token revoked.');
    assert.equal((await me(tokens.louApp!)).status, 401, 'refused on the next API call');
    assert.equal((await me(tokens.kimApp!)).status, 200, 'the others keep working');
    assert.equal(await rowCount(), 3);
  });

  it('bulk-revokes by client with the count shown before Confirm', async () => {
    await page.locator('#bulk-client').fill('Legacy desktop');
    await page.getByRole('button', { name: 'Revoke matching tokens…' }).click();
    await page.locator('#revoke-count').waitFor();
    assert.equal(await page.locator('#revoke-count').textContent(), '1');
    assert.match((await page.locator('#confirm-message').textContent()) ?? '', /client "Legacy desktop"/);
    assert.equal((await me(tokens.kimApp!)).status, 200, 'nothing is revoked before Confirm');
    await page.screenshot({ path: screenshotPath('admin-tokens-confirm.png') });
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.waitForURL(/\/admin\/tokens$/);
    assert.equal((await page.getByRole('status').first().textContent())?.trim(), 'Revoked 1 token.');
    assert.equal(await rowCount(), 2);
    assert.equal((await me(tokens.kimApp!)).status, 401);
    assert.equal((await me(tokens.kimNew!)).status, 200);

    // No condition: refused with a message, nothing revoked.
    await page.getByRole('button', { name: 'Revoke matching tokens…' }).click();
    await page.getByText('Choose at least one of client, user, token name or created before.').waitFor();
    assert.equal((await me(tokens.kimNew!)).status, 200);
  });

  it("lets the administrator create a PAT on a user's page", async () => {
    await page.getByRole('link', { name: 'Users' }).click();
    await page.waitForURL(/\/admin\/users$/);
    await page.getByRole('row', { name: /lou/ }).getByRole('link', { name: 'Edit' }).click();
    await page.getByRole('heading', { name: 'User lou' }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('made for lou');
    await page.getByRole('button', { name: 'Create token' }).click();
    await page.getByText("Make sure you copy your token now. You won't be able to see it again.").waitFor();
    const token = ((await page.locator('#new-token').textContent()) ?? '').trim();
    const res = await me(token);
    assert.equal(res.status, 200);
    assert.equal(res.json().username, 'lou');
    assert.ok(await page.getByRole('row', { name: /made for lou/ }).isVisible());
    await page.reload();
    await page.locator('#token-gone').waitFor();
    assert.ok(!(await page.content()).includes(token));
    assert.equal(await page.getByRole('row', { name: /made for lou/ }).count(), 1, 'the reload created no second token');
  });
});
