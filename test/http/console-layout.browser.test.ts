/**
 * Every console page in Chromium at 1280 px and 390 px (and in dark mode): no control — button,
 * link, input, select, text area — reaches outside the viewport or is cut off by a box around it,
 * and the page never scrolls sideways. The pages are not listed by hand: every GET route of the
 * Fastify app outside the API, OAuth, assets, health, metrics and metadata is visited, its
 * parameters filled from seeded data, so a page added later is covered (or this test fails and
 * says which route needs data). Also: no failed sub-resource (the favicon) and no script or CSP
 * error on any page. Saves the phone and dark screenshots for the README.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { CLI_ACTOR } from '../../src/services/actor.js';
import { createClient, createUser, issuePat, startServer, type TestServer } from '../helpers/app.js';
import { browserSkipReason, launchBrowser, screenshotPath } from '../helpers/browser.js';
import { mintToken } from '../helpers/mint-token.js';

const skip = browserSkipReason();

/** Paths outside the console: JSON surfaces, the protocol, static files. */
const NOT_PAGES = [/^\/api(\/|$)/, /^\/oauth(\/|$)/, /^\/assets(\/|$)/, /^\/health/, /^\/metrics/, /^\/\.well-known\//, /^\/gateway\//];

/** Every GET route of the app, read from Fastify's route tree (`printRoutes`). */
function getRoutes(tree: string): string[] {
  const routes: string[] = [];
  const stack: Array<{ depth: number; path: string }> = [];
  for (const line of tree.split('\n')) {
    const m = /^([│\s]*)[└├]── (.+?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length;
    while (stack.length && stack.at(-1)!.depth >= depth) stack.pop();
    const parent = stack.at(-1)?.path ?? '';
    const segment = m[2]!;
    const path = parent === '' ? segment : parent === '/' ? `/${segment.replace(/^\//, '')}` : `${parent}${segment}`;
    stack.push({ depth, path });
    if (m[3]?.split(', ').includes('GET')) routes.push(path);
  }
  return routes;
}

interface Problem {
  readonly page: string;
  readonly what: string;
}

/**
 * Controls outside the viewport or cut by an ancestor that clips (overflow other than visible).
 * Sent as source text: the test runner's transpiler would add helpers the page does not have.
 */
const CLIPPED_CONTROLS = `(() => {
  const out = [];
  const doc = document.documentElement;
  const vw = doc.clientWidth;
  if (doc.scrollWidth > vw + 1) out.push('the page scrolls sideways (' + doc.scrollWidth + ' px wide in ' + vw + ')');
  for (const el of document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea')) {
    if (el.closest('.skip-link, .visually-hidden, .sr-only')) continue; // off-screen on purpose
    if (getComputedStyle(el).visibility === 'hidden') continue;
    const r = el.getBoundingClientRect();
    if (r.width <= 1 || r.height <= 1) continue; // not rendered (display: none, [hidden])
    let left = 0, right = vw, top = -Infinity, bottom = Infinity;
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const ps = getComputedStyle(p);
      const pr = p.getBoundingClientRect();
      if (ps.overflowX !== 'visible') { left = Math.max(left, pr.left); right = Math.min(right, pr.right); }
      if (ps.overflowY !== 'visible') { top = Math.max(top, pr.top); bottom = Math.min(bottom, pr.bottom); }
    }
    if (r.left < left - 1 || r.right > right + 1 || r.top < top - 1 || r.bottom > bottom + 1) {
      const name = (el.textContent || el.name || '').trim().slice(0, 40);
      out.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + ' "' + name + '" at x ' + Math.round(r.left) + '-' + Math.round(r.right) + ' is cut (visible ' + Math.round(left) + '-' + Math.round(right) + ')');
    }
  }
  return out;
})()`;

async function clippedControls(page: Page): Promise<string[]> {
  return page.evaluate(CLIPPED_CONTROLS) as Promise<string[]>;
}

describe('every console page fits at 1280 px and 390 px', { skip }, () => {
  let server: TestServer;
  let browser: Browser;
  /** Route → the address to visit, with its parameters filled in. */
  const visits = new Map<string, string>();

  before(async () => {
    server = await startServer('sqlite');
    browser = await launchBrowser();
    // Data with long names, every grant, tokens of every kind: what makes pages wide.
    const long = await createClient(server.ctx, {
      name: 'Enterprise Resource Planning Integration Gateway (Production, EU West)',
      types: ['authorization_code_grant', 'password_client', 'personal_access_client', 'client_credentials_grant'],
      redirect: ['https://erp-integration.eu-west.production.example.com/oauth2/authorization/callback/keygate', 'http://127.0.0.1:8765/callback'],
    });
    for (let i = 0; i < 20; i++) await createClient(server.ctx, { name: `Service ${i}`, types: ['client_credentials_grant'] });
    const user = await createUser(server.ctx, { username: 'maximilian.alexander-longname@example.com', permissions: ['view-auth_clients', 'edit-auth_clients'] });
    const userPat = await issuePat(server.ctx, user.id, { name: 'Nightly export to the data warehouse (do not delete)', clientId: (await server.ctx.clients.findByName('Personal Access Client'))!.id });
    const adminPat = await issuePat(server.ctx, server.admin.id, { name: 'Deploy pipeline', clientId: (await server.ctx.clients.findByName('Personal Access Client'))!.id });
    await mintToken(server.ctx, { userId: null, clientId: long.client.id });
    await server.ctx.services.clients.regenerateSecret(CLI_ACTOR, long.client.id, 0);
    // The administrator authorized the long-named application (Authorized applications page).
    await server.ctx.store.db.insertInto('consents').values({ user_id: server.admin.id, client_id: long.client.id, scopes: 'api', created_at: Date.now(), updated_at: Date.now() }).execute();

    // A custom scope with a long name and description (Scopes page, the client form's Allowed scopes).
    const scope = await server.ctx.services.scopes.create(CLI_ACTOR, {
      name: 'warehouse:inventory-adjustments:write',
      description: 'Adjust inventory counts in every warehouse, including write-offs and transfers between sites',
    });

    // Each parameter of each route, from the seeded data; a route with a parameter not known here fails below.
    const fill: Array<[RegExp, string]> = [
      [/^\/admin\/auth-clients\/:id/, long.client.id],
      [/^\/admin\/users\/:id\/tokens\/:tokenId/, `${user.id}|${userPat.id}`],
      [/^\/admin\/users\/:id/, user.id],
      [/^\/admin\/tokens\/:id/, adminPat.id],
      [/^\/profile\/tokens\/:id/, adminPat.id],
      [/^\/profile\/apps\/:clientId/, long.client.id],
      [/^\/admin\/scopes\/:name/, scope.name],
    ];
    /** Query strings that make a page show its content rather than a form error. */
    const queries: Record<string, string> = { '/admin/tokens/revoke': '?user=admin' };
    const routes = getRoutes(server.app.printRoutes({ commonPrefix: false }));
    assert.ok(routes.includes('/admin/auth-clients') && routes.includes('/profile/tokens'), `routes read from the app: ${routes.join(' ')}`);
    for (const route of routes.filter((r) => !NOT_PAGES.some((re) => re.test(r)))) {
      let path = route;
      if (route.includes(':')) {
        const match = fill.find(([re]) => re.test(route));
        assert.ok(match, `the GET page ${route} has parameters this test cannot fill: seed data for it in console-layout.browser.test.ts`);
        const values = match[1].split('|');
        path = route.replace(/:\w+/g, () => values.shift() ?? '');
      }
      assert.ok(!path.includes('*'), `a wildcard page route (${route}) cannot be visited`);
      visits.set(route, path + (queries[route] ?? ''));
    }
    // One-time pages: a client's page and My API tokens with a result that is already gone.
    visits.set('client page, secret already shown', `/admin/auth-clients/${long.client.id}?shown=gone`);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  async function walk(context: BrowserContext, label: string): Promise<Problem[]> {
    const problems: Problem[] = [];
    const page = await context.newPage();
    let current = '';
    page.on('pageerror', (e) => problems.push({ page: current, what: `script error: ${e.message}` }));
    page.on('console', (m) => m.type() === 'error' && !/Failed to load resource/.test(m.text()) && problems.push({ page: current, what: m.text() }));
    page.on('response', (r) => r.status() >= 400 && r.request().resourceType() !== 'document' && problems.push({ page: current, what: `${r.status()} for ${r.url()}` }));
    // Logged out: the login page.
    current = '/login';
    await page.goto(`${server.baseUrl}/login`);
    for (const what of await clippedControls(page)) problems.push({ page: `${label} /login`, what });
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill(server.admin.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(/\/admin\/auth-clients$/);
    for (const [route, path] of visits) {
      current = `${label} ${route}`;
      const res = await page.goto(server.baseUrl + path);
      const status = res?.status() ?? 0;
      if (status >= 400) problems.push({ page: current, what: `answered ${status}` });
      for (const what of await clippedControls(page)) problems.push({ page: current, what });
    }
    await page.close();
    return problems;
  }

  it('at 1280 px', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const problems = await walk(context, '1280');
    await context.close();
    assert.deepEqual(problems, []);
    assert.ok(visits.size >= 17, `${visits.size} pages visited`);
    console.log(`console pages checked at each width: ${visits.size + 1}`);
  });

  it('at 390 px (a phone)', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
    const problems = await walk(context, '390');
    const page = await context.newPage();
    await page.goto(`${server.baseUrl}/admin/auth-clients`);
    await page.screenshot({ path: screenshotPath('auth-clients-phone.png') });
    await context.close();
    assert.deepEqual(problems, []);
  });

  it('in dark mode', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'dark' });
    const problems = await walk(context, 'dark');
    const page = await context.newPage();
    await page.goto(`${server.baseUrl}/admin/auth-clients`);
    const background = await page.evaluate('getComputedStyle(document.body).backgroundColor');
    assert.equal(background, 'rgb(17, 21, 31)', 'the dark palette applies');
    await page.screenshot({ path: screenshotPath('auth-clients-dark.png') });
    await context.close();
    assert.deepEqual(problems, []);
  });

  it('reads GET routes from the route tree, nested ones included', () => {
    const tree = ['└── / (GET)', '    ├── admin/users (GET)', '    │   └── /:id (GET, POST)', '    │       └── /delete (GET)', '    └── login (GET, POST)'].join('\n');
    assert.deepEqual(getRoutes(tree), ['/', '/admin/users', '/admin/users/:id', '/admin/users/:id/delete', '/login']);
  });
});
