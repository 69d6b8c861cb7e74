/**
 * The Auth Clients console in headless Chromium: create a client (inline errors first: a taken
 * name and a bad redirect line reported at once), land on its page with the secret shown once and
 * copy it; a reload shows "already shown" and creates nothing. Edit: unticking and ticking the
 * code grant keeps the redirect URLs, removing a grant with tokens asks for Confirm with the count.
 * Regenerate asks for Confirm with an hour of grace; its reload regenerates nothing. The list keeps
 * its search through an edit, its Sort menu waits for the button, pages stay in range. Delete
 * through the confirmation; a view-only user sees no action buttons; the audit page lists it all.
 * Saves the list, form and client-page screenshots for the README.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { CLI_ACTOR } from '../../src/services/actor.js';
import { createClient, createUser, startServer, type TestServer } from '../helpers/app.js';
import { browserSkipReason, launchBrowser, screenshotPath } from '../helpers/browser.js';
import { mintToken } from '../helpers/mint-token.js';
import { basicHeader } from './oauth-helpers.js';

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
  let context: BrowserContext;
  let page: Page;
  const errors: string[] = [];
  const secrets: string[] = [];
  const clientCredentials = (id: string, secret: string) =>
    fetch(`${server.baseUrl}/oauth/token`, { method: 'POST', headers: { authorization: basicHeader(id, secret), 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' }).then((r) => r.status);
  const me = (token: string) => fetch(`${server.baseUrl}/api/1.0/users/me`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);
  const secretShown = async () => ((await page.locator('#client-secret').textContent()) ?? '').trim();

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
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.baseUrl });
    page = await context.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await login(page, server, 'admin', server.admin.password);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('creates a client: every error at once, then its page with the secret once; a reload creates nothing', async () => {
    await page.getByRole('link', { name: '+ Auth Client' }).click();
    await page.waitForURL(/\/admin\/auth-clients\/new$/);
    assert.equal(await page.getByLabel('Redirect URL').isVisible(), false);
    assert.equal(await page.getByRole('group', { name: 'Grant types' }).count(), 1, 'the grant group is named for what it holds');
    await page.getByLabel('Name').fill('reporting service');
    await page.getByLabel('Enable Authorization Code Grant').press('Space');
    assert.equal(await page.getByLabel('Redirect URL').isVisible(), true);
    assert.equal(await page.getByText('legacy desktop applications only').isVisible(), false);
    await page.getByLabel('Enable Password Grant').check();
    assert.equal(await page.getByText('legacy desktop applications only').isVisible(), true);
    await page.getByLabel('Enable Personal Access Tokens').check();
    await page.getByLabel('Enable Client Credentials Grant').check();
    await page.getByLabel('Redirect URL').fill('https://partner.example.com/callback\nhttp://partner.example.com/callback\nnot a url');
    await page.getByRole('button', { name: 'Save' }).click();

    // A taken name and each bad line, all at once, next to their fields; nothing typed is lost.
    await page.getByText('The Name has already been taken.').waitFor();
    const redirectErrors = (await page.locator('#redirect-error').textContent()) ?? '';
    assert.match(redirectErrors, /Redirect URL 2 \(http:\/\/partner\.example\.com\/callback\) must use https/);
    assert.match(redirectErrors, /Redirect URL 3 \(not a url\) is not a valid absolute URL\./);
    assert.equal(await page.getByLabel('Enable Client Credentials Grant').isChecked(), true);
    assert.equal(await page.getByLabel('Redirect URL').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.evaluate('document.activeElement?.id'), 'name', 'focus moves to the first field with an error');
    await page.getByLabel('Name').fill('Partner Portal');
    await page.getByLabel('Redirect URL').fill('https://partner.example.com/callback\nhttp://localhost:8080/callback');
    await page.screenshot({ path: screenshotPath('auth-client-form.png'), fullPage: true });
    await page.getByLabel('Redirect URL').press('Tab');
    await page.keyboard.press('Enter'); // keyboard only: Tab to the next control and submit with Enter

    // The client's page, with the secret once, the warning and a Copy button.
    await page.getByText("Copy this secret now. You won't be able to see it again.").waitFor();
    assert.match(page.url(), /\/admin\/auth-clients\/[0-9a-f-]{36}\?shown=/);
    const secret = await secretShown();
    secrets.push(secret);
    assert.match(secret, /^kg_cs_[0-9A-Za-z]{49}$/);
    await page.locator('#client-secret').locator('..').getByRole('button', { name: 'Copy' }).click();
    await page.getByRole('button', { name: 'Copied' }).waitFor();
    assert.equal(await page.evaluate('navigator.clipboard.readText()'), secret);
    const stored = (await server.ctx.clients.findByName('Partner Portal'))!;
    assert.ok(server.ctx.clients.secretMatches(stored, secret));
    assert.deepEqual(stored.redirect, ['https://partner.example.com/callback', 'http://localhost:8080/callback']);
    assert.equal(await page.locator('#client-id-value').textContent(), stored.id);
    await page.screenshot({ path: screenshotPath('auth-client-page.png'), fullPage: true });

    // Reload: no second client, no secret, a plain notice.
    await page.reload();
    await page.locator('#secret-gone').waitFor();
    assert.match((await page.locator('#secret-gone').textContent()) ?? '', /shown once and cannot be shown again/);
    assert.ok(!(await page.content()).includes(secret));
    assert.equal((await server.ctx.services.clients.list(CLI_ACTOR, { page: 1, perPage: 50, filter: 'partner portal' })).total, 1);
    assert.equal(await clientCredentials(stored.id, secret), 200);
  });

  it('keeps the redirect URLs when the code grant is unticked and ticked again, and asks before a save that ends tokens', async () => {
    const stored = (await server.ctx.clients.findByName('Partner Portal'))!;
    const token = await mintToken(server.ctx, { userId: null, clientId: stored.id });
    await page.goto(`${server.baseUrl}/admin/auth-clients/${stored.id}`);
    await page.getByRole('link', { name: 'Edit Auth Client' }).click();
    await page.getByRole('heading', { name: 'Edit Auth Client' }).waitFor();
    await page.getByLabel('Enable Authorization Code Grant').uncheck();
    assert.equal(await page.getByLabel('Redirect URL').isVisible(), false);
    assert.match((await page.locator('#redirect-drop-warning').textContent()) ?? '', /2 redirect URLs are removed when you save/);
    await page.getByLabel('Enable Authorization Code Grant').check();
    assert.equal(await page.locator('#redirect-drop-warning').isVisible(), false);
    assert.equal(await page.getByLabel('Redirect URL').inputValue(), 'https://partner.example.com/callback\nhttp://localhost:8080/callback');

    // Removing Client Credentials ends its active tokens (the one minted here and the one the first
    // test obtained through /oauth/token): the count first, then Confirm.
    await page.getByLabel('Enable Client Credentials Grant').uncheck();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('#tokens-ended').waitFor();
    assert.equal(await page.locator('#tokens-ended').textContent(), '2');
    assert.match((await page.getByRole('alertdialog').textContent()) ?? '', /Client Credentials[\s\S]*will stop working immediately, for good/);
    assert.deepEqual((await server.ctx.clients.findById(stored.id))!.types.length, 4, 'nothing saved before Confirm');
    await page.screenshot({ path: screenshotPath('auth-client-edit-confirm.png') });
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByText('Auth Client “Partner Portal” was saved. 2 active tokens stopped working.').waitFor();
    assert.equal(await me(token), 401);
    const edited = (await server.ctx.clients.findById(stored.id))!;
    assert.deepEqual(edited.redirect, ['https://partner.example.com/callback', 'http://localhost:8080/callback']);
    assert.ok(!edited.types.includes('client_credentials_grant'));
  });

  it('regenerates the secret only after Confirm, with an hour of grace preselected; a reload regenerates nothing', async () => {
    const stored = (await server.ctx.clients.findByName('Partner Portal'))!;
    await page.goto(`${server.baseUrl}/admin/auth-clients/${stored.id}`);
    await page.getByRole('link', { name: 'Regenerate secret' }).click();
    await page.getByRole('heading', { name: /Regenerate the secret of Partner Portal/ }).waitFor();
    assert.equal(await page.getByLabel('The old secret keeps working').inputValue(), '3600');
    assert.ok(server.ctx.clients.secretMatches((await server.ctx.clients.findById(stored.id))!, secrets[0]!), 'nothing before Confirm');
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByText('A new secret was issued. The old one keeps working for 1 hour.').waitFor();
    const second = await secretShown();
    secrets.push(second);
    assert.notEqual(second, secrets[0]);
    const rotated = (await server.ctx.clients.findById(stored.id))!;
    assert.ok(server.ctx.clients.secretMatches(rotated, secrets[0]!), 'the old secret works during the grace period');
    assert.ok(server.ctx.clients.secretMatches(rotated, second));
    await page.reload();
    await page.locator('#secret-gone').waitFor();
    const again = (await server.ctx.clients.findById(stored.id))!;
    assert.ok(server.ctx.clients.secretMatches(again, second), 'the reload issued no third secret');
  });

  it('lists clients with copyable ids and name links, keeps the search through an edit, and sorts only on Search', async () => {
    await page.goto(`${server.baseUrl}/admin/auth-clients`);
    await page.screenshot({ path: screenshotPath('auth-clients-list.png'), fullPage: true });
    const row = page.getByRole('row').filter({ hasText: 'Reporting Service' });
    const id = (await server.ctx.clients.findByName('Reporting Service'))!.id;
    assert.equal(await row.locator('code.client-id').textContent(), id, 'the whole id');
    await row.getByRole('button', { name: 'Copy' }).click();
    assert.equal(await page.evaluate('navigator.clipboard.readText()'), id);

    // The Sort menu waits for the button: arrowing through it does not reload.
    await page.getByLabel('Sort by').focus();
    await page.keyboard.press('ArrowDown');
    assert.equal(await page.getByLabel('Sort by').inputValue(), 'name');
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(!page.url().includes('order_by'), 'no reload on change');
    await page.getByLabel('Search').fill('service');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/filter=service&order_by=name/);

    // Name → page → Edit → Save → back to the same search.
    await page.getByRole('link', { name: 'Reporting Service' }).click();
    await page.getByRole('heading', { name: 'Reporting Service' }).waitFor();
    await page.getByRole('link', { name: 'Edit Auth Client' }).click();
    await page.getByLabel('Name').fill('Reporting Service v2');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Auth Client “Reporting Service v2” was saved.').waitFor();
    await page.getByRole('link', { name: '← Auth Clients' }).click();
    await page.waitForURL(/\/admin\/auth-clients\?filter=service&order_by=name$/);
    assert.equal(await page.getByLabel('Search').inputValue(), 'service');

    // Out of range and empty.
    await page.goto(`${server.baseUrl}/admin/auth-clients?page=99`);
    await page.waitForURL(/\/admin\/auth-clients$/);
    await page.goto(`${server.baseUrl}/admin/auth-clients?filter=zzz-nothing`);
    await page.getByText('No Auth Client matches “zzz-nothing”.').waitFor();
    assert.equal(await page.getByText(/Showing 0/).count(), 0);
  });

  it('deletes through the confirmation, which counts the active tokens, and audits it all without secrets', async () => {
    const stored = (await server.ctx.clients.findByName('Partner Portal'))!;
    await mintToken(server.ctx, { userId: server.admin.id, clientId: stored.id });
    await mintToken(server.ctx, { userId: null, clientId: stored.id });
    await page.goto(`${server.baseUrl}/admin/auth-clients?filter=partner`);
    await page.getByRole('row').filter({ hasText: 'Partner Portal' }).getByRole('link', { name: 'Delete Auth Client' }).click();
    await page.getByRole('heading', { name: 'Caution!' }).waitFor();
    assert.match((await page.getByRole('alertdialog').textContent()) ?? '', /Partner Portal[\s\S]*2 active tokens will stop working immediately/);
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByText('Auth Client “Partner Portal” was deleted. 2 active tokens stopped working.').waitFor();
    assert.match(page.url(), /filter=partner$/, 'back to the same search');
    assert.equal(await server.ctx.clients.findById(stored.id), null);
    await page.getByText('No Auth Client matches “partner”.').waitFor();

    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.getByRole('heading', { name: 'Audit log' }).waitFor();
    const audit = await page.content();
    for (const t of ['client.created', 'client.updated', 'client.secret_regenerated', 'client.deleted']) assert.ok(audit.includes(t), t);
    for (const s of secrets) assert.ok(!audit.includes(s));
    // The database file (and its write-ahead log) holds no secret in plain text, one-time results included.
    for (const file of [server.db.path!, `${server.db.path!}-wal`]) {
      if (!existsSync(file)) continue;
      const bytes = readFileSync(file).toString('latin1');
      for (const s of secrets) assert.ok(!bytes.includes(s), `plaintext secret in ${file}`);
    }
    // The form answered with its errors is a 422 document, which Chromium logs; nothing else may fail (no favicon 404).
    assert.deepEqual(errors.filter((e) => !/status of 422/.test(e)), [], 'no script, CSP or missing-resource errors');
  });

  it('hides the buttons a user may not use, and the server refuses them anyway', async () => {
    const viewer = await createUser(server.ctx, { username: 'viewer', permissions: ['view-auth_clients'] });
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const p = await phone.newPage();
    await login(p, server, viewer.username, viewer.password);
    await p.getByRole('heading', { name: 'Auth Clients' }).waitFor();
    assert.equal(await p.getByRole('link', { name: '+ Auth Client' }).count(), 0);
    assert.equal(await p.getByRole('link', { name: 'Edit Auth Client' }).count(), 0);
    assert.equal(await p.getByRole('link', { name: 'Delete Auth Client' }).count(), 0);
    assert.ok(await p.getByText('Reporting Service v2').isVisible());
    await p.getByRole('link', { name: 'Reporting Service v2' }).click();
    await p.getByRole('heading', { name: 'Quickstart' }).waitFor();
    assert.equal(await p.getByRole('link', { name: 'Regenerate secret' }).count(), 0);
    assert.equal((await p.goto(`${server.baseUrl}/admin/auth-clients/new`))?.status(), 403);
    assert.equal((await p.goto(`${server.baseUrl}/admin/audit`))?.status(), 403);
    await phone.close();
  });
});
