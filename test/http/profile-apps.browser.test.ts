/**
 * "Authorized applications" in Chromium: a user who authorized an application (code flow with
 * PKCE, through the login and consent pages) finds it from the navigation, clicks Revoke access,
 * then Confirm, and is back on the list with a message; the application's token is refused at once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { createUser, startServer, type TestServer } from '../helpers/app.js';
import { browserSkipReason, launchBrowser, screenshotPath } from '../helpers/browser.js';
import { WebClient } from '../helpers/http.js';
import { makeClient, me, oauthPost, obtainCode, pkcePair } from './oauth-helpers.js';

const skip = browserSkipReason();
const REDIRECT = 'http://127.0.0.1:9000/callback';

describe('Authorized applications in Chromium', { skip }, () => {
  let server: TestServer;
  let browser: Browser;
  let user: { username: string; password: string };
  before(async () => {
    server = await startServer('sqlite');
    user = await createUser(server.ctx, { username: 'nora' });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('revokes the access of an application: Revoke access, then Confirm', async () => {
    // Nora authorizes "Team dashboard" (the application's side of the flow runs outside the browser).
    const client = await makeClient(server.ctx, { name: 'Team dashboard', types: ['authorization_code_grant'], redirect: [REDIRECT] });
    const web = new WebClient(server.baseUrl);
    assert.equal((await web.login(user.username, user.password)).status, 303);
    const { verifier, challenge } = pkcePair();
    const code = await obtainCode(web, client, { challenge, scope: 'api:read' });
    const tokens = await oauthPost(server.baseUrl, '/oauth/token', { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier }, { basic: client });
    assert.equal(tokens.status, 200);
    assert.equal(await me(server.baseUrl, tokens.body.access_token), 200);

    const context = await browser.newContext();
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.goto(`${server.baseUrl}/login`);
    await page.getByLabel('Username').fill(user.username);
    await page.getByLabel('Password').fill(user.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(/\/profile\/tokens$/);
    await page.getByRole('link', { name: 'Authorized applications' }).click();
    await page.waitForURL(/\/profile\/apps$/);
    const row = page.getByRole('row', { name: /Team dashboard/ });
    await row.waitFor();
    assert.match((await row.textContent()) ?? '', /api:read/);
    await page.screenshot({ path: screenshotPath('profile-apps.png'), fullPage: true });

    await row.getByRole('link', { name: /Revoke access/ }).click();
    await page.waitForURL(/\/profile\/apps\/[^/]+\/revoke$/);
    assert.match((await page.getByRole('alertdialog').textContent()) ?? '', /Team dashboard/);
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.waitForURL(/\/profile\/apps$/);
    assert.match((await page.getByRole('status').textContent()) ?? '', /Access of "Team dashboard" revoked: 2 tokens ended\./);
    assert.ok(await page.getByText('You have not authorized any application.').isVisible());
    assert.equal(await me(server.baseUrl, tokens.body.access_token), 401, 'refused at once');
    assert.deepEqual(errors.filter((e) => !/Failed to load resource/.test(e)), [], 'no script or CSP errors');
    await context.close();
  });
});
