/** The administrator logs in and out in a real browser (headless Chromium). */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { startServer, type TestServer } from '../helpers/app.js';
import { browserSkipReason, launchBrowser, screenshotPath } from '../helpers/browser.js';

const skip = browserSkipReason();

describe('login page in Chromium', { skip }, () => {
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

  it('shows an error for a wrong password, logs in by keyboard, and logs out', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.goto(`${server.baseUrl}/login?next=%2Fadmin%2Fauth-clients`);
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill('definitely-wrong');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('alert').waitFor();
    assert.equal((await page.getByRole('alert').textContent())?.trim(), 'Invalid username or password.');
    await page.screenshot({ path: screenshotPath('login.png') });

    await page.getByLabel('Password').fill(server.admin.password);
    await page.getByLabel('Password').press('Enter');
    await page.waitForURL(/\/admin\/auth-clients$/);
    assert.ok(await page.getByText('admin', { exact: true }).isVisible());

    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(/\/login$/);
    assert.match(await page.getByRole('status').textContent() ?? '', /logged out/);
    assert.deepEqual(errors.filter((e) => !/Failed to load resource/.test(e)), [], 'no script or CSP errors');
    await page.close();
  });
});
