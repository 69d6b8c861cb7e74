/**
 * "My API tokens" in Chromium: a regular user creates a PAT, sees it once with the warning, copies
 * it with the Copy button, reloads (nothing is created again, the page says it was shown), uses it,
 * and revokes it after a confirmation.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { createUser, startServer, type TestServer } from '../helpers/app.js';
import { browserSkipReason, launchBrowser, screenshotPath } from '../helpers/browser.js';
import { WebClient } from '../helpers/http.js';

const skip = browserSkipReason();

describe('My API tokens in Chromium', { skip }, () => {
  let server: TestServer;
  let browser: Browser;
  let user: { username: string; password: string };
  before(async () => {
    server = await startServer('sqlite');
    user = await createUser(server.ctx, { username: 'jules' });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('creates, copies, uses and revokes a personal access token', async () => {
    const context = await browser.newContext();
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.baseUrl });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    const me = (token: string) => new WebClient(server.baseUrl).get('/api/1.0/users/me', { authorization: `Bearer ${token}` });

    await page.goto(`${server.baseUrl}/login`);
    await page.getByLabel('Username').fill(user.username);
    await page.getByLabel('Password').fill(user.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(/\/profile\/tokens$/);
    assert.ok(await page.getByText('No tokens yet.').isVisible());

    // A missing name is an inline error; nothing is lost or created.
    await page.getByRole('checkbox', { name: /api:read/ }).check();
    await page.getByRole('button', { name: 'Create token' }).click();
    await page.locator('#pat-name-error').waitFor();
    assert.match((await page.locator('#pat-name-error').textContent()) ?? '', /Name field is required/);
    assert.ok(await page.getByRole('checkbox', { name: /api:read/ }).isChecked(), 'choices are kept');

    await page.getByLabel('Name').fill('Build server');
    assert.equal(await page.getByLabel('Expiry date').isVisible(), false, 'the date field shows only for a custom date');
    await page.getByLabel('Expires').selectOption('date');
    assert.equal(await page.getByLabel('Expiry date').isVisible(), true);
    await page.getByLabel('Expires').selectOption('90');
    await page.getByRole('button', { name: 'Create token' }).click();
    await page.getByText("Make sure you copy your token now. You won't be able to see it again.").waitFor();
    const token = ((await page.locator('#new-token').textContent()) ?? '').trim();
    assert.match(token, /^kg_pat_/);
    await page.screenshot({ path: screenshotPath('profile-tokens-created.png'), fullPage: true });

    await page.getByRole('button', { name: 'Copy' }).click();
    await page.getByRole('button', { name: 'Copied' }).waitFor();
    assert.equal(await page.evaluate('navigator.clipboard.readText()'), token);

    // Reloading the page that showed it creates no second token and does not show it again.
    assert.match(page.url(), /\/profile\/tokens\?shown=/, 'reached by a redirect after the POST');
    await page.reload();
    await page.locator('#token-gone').waitFor();
    assert.ok(!(await page.content()).includes(token));
    assert.equal(await page.locator('tbody tr[data-token-id]').count(), 1, 'still one token');

    const used = await me(token);
    assert.equal(used.status, 200);
    assert.equal(used.json().username, 'jules');

    // Shown once: the list holds the token by name and prefix only, with its last use.
    await page.goto(`${server.baseUrl}/profile/tokens`);
    const row = page.getByRole('row', { name: /Build server/ });
    await row.waitFor();
    const rowText = (await row.textContent()) ?? '';
    assert.ok(rowText.includes(token.slice(0, 11)), 'prefix shown');
    assert.ok(!(await page.content()).includes(token), 'the token is never shown again');
    assert.match(rowText, /api:read/);
    assert.match((await row.locator('td').nth(6).textContent()) ?? '', /^\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$/, 'last use shows after the call');

    await row.getByRole('link', { name: 'Revoke Build server' }).click();
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.waitForURL(/\/profile\/tokens$/);
    assert.match((await page.getByRole('status').textContent()) ?? '', /revoked/);
    assert.ok(await page.getByText('No tokens yet.').isVisible());
    assert.equal((await me(token)).status, 401);
    // The 422 of the invalid form is an expected resource error; nothing else (no favicon 404).
    assert.deepEqual(errors.filter((e) => !/status of 422/.test(e)), [], 'no script, CSP or missing-resource errors');
    await context.close();
  });
});
