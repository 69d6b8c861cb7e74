/**
 * /api/docs renders the API reference in Chromium under the strict CSP (no CSP or script errors),
 * lists the OAuth endpoints, leads back to the console, and "Try it out" with a bearer token calls
 * the API.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { issuePat, startServer, type TestServer } from '../helpers/app.js';
import { browserSkipReason, launchBrowser, screenshotPath } from '../helpers/browser.js';

const skip = browserSkipReason();

describe('API reference in Chromium', { skip }, () => {
  let server: TestServer;
  let browser: Browser;
  before(async () => {
    server = await startServer('sqlite');
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('renders the operations with no CSP errors and tries GET /users/me with a bearer token', async () => {
    const issued = await issuePat(server.ctx, server.admin.id, { name: 'docs' });
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    const res = await page.goto(`${server.baseUrl}/api/docs`);
    assert.equal(res?.status(), 200);
    assert.match(res?.headers()['content-security-policy'] ?? '', /script-src 'self'(;|$)/, 'the strict CSP is in force');
    await page.getByText('Keygate REST API', { exact: false }).first().waitFor({ timeout: 15_000 });
    const op = page.locator('.opblock-summary-path', { hasText: /^\/users\/me$/ }).first();
    await op.waitFor();
    assert.ok(await page.locator('.opblock-summary-path', { hasText: '/users/{id}/tokens' }).first().isVisible());

    // Authorize with the bearer token, then try GET /users/me.
    await page.getByRole('button', { name: /Authorize/ }).first().click();
    // Two schemes now: the bearer token for the API, HTTP Basic for clients at the OAuth endpoints.
    const bearer = page.locator('.modal-ux form').filter({ hasText: 'bearerAuth' });
    await bearer.locator('input[type=text]').first().fill(issued.token);
    await bearer.getByRole('button', { name: 'Apply credentials' }).click();
    await page.locator('.modal-ux').getByRole('button', { name: 'Close' }).first().click();
    await op.click();
    const block = page.locator('.opblock', { has: page.locator('.opblock-summary-path', { hasText: /^\/users\/me$/ }) }).first();
    await block.getByRole('button', { name: 'Try it out' }).click();
    await block.getByRole('button', { name: 'Execute' }).click();
    const live = block.locator('.live-responses-table tr.response .response-col_status').first();
    await live.waitFor({ timeout: 10_000 });
    assert.equal((await live.textContent())?.trim(), '200');
    assert.match((await block.locator('.live-responses-table tr.response .response-col_description').first().textContent()) ?? '', /"username": "admin"/);
    await page.screenshot({ path: screenshotPath('api-docs.png'), fullPage: false });
    assert.deepEqual(errors, [], 'no script or CSP errors');

    // The OAuth endpoints are documented too, and a bar leads back to the console.
    for (const path of ['/oauth/token', '/oauth/revoke', '/oauth/introspect', '/.well-known/oauth-authorization-server']) {
      assert.ok(await page.locator('.opblock-summary-path', { hasText: new RegExp(`^${path.replace(/[./]/g, '\\$&')}$`) }).first().isVisible(), path);
    }
    await page.getByRole('link', { name: '← Back to the Keygate console' }).click();
    await page.waitForURL(/\/login\?next=%2Fadmin%2Fauth-clients$/);
    await page.close();
  });
});
