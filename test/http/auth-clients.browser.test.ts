/**
 * The Auth Clients console in headless Chromium: create a client with all four grants (fixing an
 * inline error first), see the secret once and copy it, edit it (switching the redirect off and
 * on), search for it, delete it through the confirmation; a view-only user sees no action
 * buttons; the audit page lists what happened. Saves the list and form screenshots for the README.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { createClient, createUser, startServer, type TestServer } from '../helpers/app.js';
import { browserSkipReason, launchBrowser, screenshotPath } from '../helpers/browser.js';
import { mintToken } from '../helpers/mint-token.js';

const skip = browserSkipReason();

async function login(page: Page, server: TestServer, username: string, password: string): Promise<void> {
  await page.goto(`${server.baseUrl}/login?next=%2Fadmin%2Fauth-clients`);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(/\/admin\/auth-clients$/);
}

describe('Auth Clients console in Chromium', { skip }, () => {
  let server: TestServer;
  let browser: Browser;
  before(async () => {
    server = await startServer('sqlite');
    browser = await launchBrowser();
    // A few clients so the list looks like a real one.
    const seeds = [
      { name: 'Mobile App', types: ['authorization_code_grant'] as const, redirect: ['https://app.example.com/oauth/callback', 'http://127.0.0.1/callback'], confidential: false },
      { name: 'Reporting Service', types: ['client_credentials_grant'] as const, redirect: [], confidential: true },
      { name: 'Legacy Desktop Suite', types: ['password_client', 'authorization_code_grant'] as const, redirect: ['https://desktop.example.com/cb'], confidential: true },
    ];
    for (const s of seeds) {
      const { client } = await createClient(server.ctx, { ...s, types: [...s.types] });
      if (s.name === 'Reporting Service') for (let i = 0; i < 3; i++) await mintToken(server.ctx, { userId: null, clientId: client.id });
    }
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('creates, shows the secret once, edits, searches and deletes a client', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.baseUrl });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await login(page, server, 'admin', server.admin.password);

    // Create: the Redirect URL appears only with the authorization code grant; the password grant warns.
    await page.getByRole('link', { name: '+ Auth Client' }).click();
    await page.waitForURL(/\/admin\/auth-clients\/new$/);
    assert.equal(await page.getByLabel('Redirect URL').isVisible(), false);
    await page.getByLabel('Name').fill('Partner Portal');
    await page.getByLabel('Enable Authorization Code Grant').press('Space');
    assert.equal(await page.getByLabel('Redirect URL').isVisible(), true);
    assert.equal(await page.getByText('legacy desktop applications only').isVisible(), false);
    await page.getByLabel('Enable Password Grant').check();
    assert.equal(await page.getByText('legacy desktop applications only').isVisible(), true);
    await page.getByLabel('Enable Personal Access Tokens').check();
    await page.getByLabel('Enable Client Credentials Grant').check();
    await page.getByLabel('Redirect URL').fill('http://partner.example.com/callback');
    await page.getByRole('button', { name: 'Save' }).click();

    // An inline error next to the field; nothing typed is lost.
    await page.getByText('The Redirect URL must use https').waitFor();
    assert.equal(await page.getByLabel('Name').inputValue(), 'Partner Portal');
    assert.equal(await page.getByLabel('Enable Client Credentials Grant').isChecked(), true);
    assert.equal(await page.getByLabel('Redirect URL').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.evaluate('document.activeElement?.id'), 'redirect', 'focus moves to the field with the error');
    await page.getByLabel('Redirect URL').fill('https://partner.example.com/callback\nhttp://localhost:8080/callback');
    await page.screenshot({ path: screenshotPath('auth-client-form.png'), fullPage: true });
    await page.getByLabel('Redirect URL').press('Tab');
    await page.keyboard.press('Enter'); // keyboard only: Tab to the next control and submit with Enter
    await page.waitForURL(/\/admin\/auth-clients$/).catch(() => {});

    // The secret, once, with the warning and a Copy button.
    await page.getByText("Copy this secret now. You won't be able to see it again.").waitFor();
    const secret = (await page.locator('#client-secret').textContent())!.trim();
    assert.match(secret, /^kg_cs_[0-9A-Za-z]{49}$/);
    await page.getByRole('button', { name: 'Copy' }).first().click();
    await page.getByRole('button', { name: 'Copied' }).waitFor();
    assert.equal(await page.evaluate('navigator.clipboard.readText()'), secret);
    await page.getByRole('link', { name: 'Done' }).click();
    await page.waitForURL(/\/admin\/auth-clients$/);
    assert.ok(!(await page.content()).includes(secret), 'the list never shows the secret');
    const row = page.getByRole('row').filter({ hasText: 'Partner Portal' });
    for (const badge of ['Authorization Code', 'Password', 'Personal Access', 'Client Credentials']) {
      assert.equal(await row.getByText(badge, { exact: true }).isVisible(), true, badge);
    }
    const stored = (await server.ctx.clients.findByName('Partner Portal'))!;
    assert.ok(server.ctx.clients.secretMatches(stored, secret));
    assert.deepEqual(stored.redirect, ['https://partner.example.com/callback', 'http://localhost:8080/callback']);

    // Edit: switch the redirect off, then on again.
    await row.getByRole('link', { name: 'Edit Auth Client' }).click();
    await page.getByRole('heading', { name: 'Edit Auth Client' }).waitFor();
    await page.getByLabel('Enable Authorization Code Grant').uncheck();
    assert.equal(await page.getByLabel('Redirect URL').isVisible(), false);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Auth Client “Partner Portal” was saved.').waitFor();
    assert.deepEqual((await server.ctx.clients.findById(stored.id))!.redirect, []);
    await page.getByRole('row').filter({ hasText: 'Partner Portal' }).getByRole('link', { name: 'Edit Auth Client' }).click();
    await page.getByLabel('Enable Authorization Code Grant').check();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('The Redirect field is required.').waitFor();
    await page.getByLabel('Redirect URL').fill('https://partner.example.com/v2/callback');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Auth Client “Partner Portal” was saved.').waitFor();
    const edited = (await server.ctx.clients.findById(stored.id))!;
    assert.deepEqual(edited.redirect, ['https://partner.example.com/v2/callback']);
    assert.ok(edited.types.includes('authorization_code_grant'));

    // Regenerate the secret on the edit page: a new one, shown once.
    await page.getByRole('row').filter({ hasText: 'Partner Portal' }).getByRole('link', { name: 'Edit Auth Client' }).click();
    await page.getByRole('button', { name: 'Regenerate secret' }).click();
    await page.getByText('The old one no longer works.').waitFor();
    const second = (await page.locator('#client-secret').textContent())!.trim();
    assert.notEqual(second, secret);
    const rotated = (await server.ctx.clients.findById(stored.id))!;
    assert.equal(server.ctx.clients.secretMatches(rotated, secret), false);
    assert.equal(server.ctx.clients.secretMatches(rotated, second), true);

    // The list, with every kind of row, for the README.
    await page.goto(`${server.baseUrl}/admin/auth-clients`);
    await page.screenshot({ path: screenshotPath('auth-clients-list.png'), fullPage: true });

    // Search.
    await page.getByLabel('Search').fill('partner');
    await page.getByLabel('Search').press('Enter');
    await page.waitForURL(/filter=partner/);
    assert.equal(await page.locator('tbody tr').count(), 1);
    await page.getByLabel('Search').fill('v2/callback');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/filter=v2/);
    assert.equal(await page.getByRole('row').filter({ hasText: 'Partner Portal' }).count(), 1);

    // Delete through the confirmation, which names the client and counts its active tokens.
    await mintToken(server.ctx, { userId: server.admin.id, clientId: stored.id });
    await mintToken(server.ctx, { userId: null, clientId: stored.id });
    await page.getByRole('row').filter({ hasText: 'Partner Portal' }).getByRole('link', { name: 'Delete Auth Client' }).click();
    await page.getByRole('heading', { name: 'Caution!' }).waitFor();
    assert.match((await page.getByRole('alertdialog').textContent()) ?? '', /Partner Portal[\s\S]*2 active tokens will stop working immediately/);
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByText('Auth Client “Partner Portal” was deleted. 2 active tokens stopped working.').waitFor();
    assert.equal(await server.ctx.clients.findById(stored.id), null);
    await page.getByLabel('Search').fill('partner');
    await page.getByLabel('Search').press('Enter');
    await page.getByText('No Data Available').waitFor();

    // The audit log shows what happened, without secrets.
    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.getByRole('heading', { name: 'Audit log' }).waitFor();
    const audit = await page.content();
    for (const t of ['client.created', 'client.updated', 'client.secret_regenerated', 'client.deleted']) assert.ok(audit.includes(t), t);
    assert.ok(!audit.includes(secret) && !audit.includes(second));

    // The database file (and its write-ahead log) holds neither secret in plain text.
    for (const file of [server.db.path!, `${server.db.path!}-wal`]) {
      if (!existsSync(file)) continue;
      const bytes = readFileSync(file).toString('latin1');
      assert.ok(!bytes.includes(secret) && !bytes.includes(second), `plaintext secret in ${file}`);
    }

    assert.deepEqual(errors.filter((e) => !/Failed to load resource/.test(e)), [], 'no script or CSP errors');
    await context.close();
  });

  it('hides the buttons a user may not use, and the server refuses them anyway', async () => {
    const viewer = await createUser(server.ctx, { username: 'viewer', permissions: ['view-auth_clients'] });
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    await login(page, server, viewer.username, viewer.password);
    await page.getByRole('heading', { name: 'Auth Clients' }).waitFor();
    assert.equal(await page.getByRole('link', { name: '+ Auth Client' }).count(), 0);
    assert.equal(await page.getByRole('link', { name: 'Edit Auth Client' }).count(), 0);
    assert.equal(await page.getByRole('link', { name: 'Delete Auth Client' }).count(), 0);
    assert.ok(await page.getByText('Reporting Service').isVisible());
    const res = await page.goto(`${server.baseUrl}/admin/auth-clients/new`);
    assert.equal(res?.status(), 403);
    const audit = await page.goto(`${server.baseUrl}/admin/audit`);
    assert.equal(audit?.status(), 403);
    await context.close();
  });
});
