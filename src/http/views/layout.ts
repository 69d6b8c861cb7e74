/**
 * The one shared page layout for the login, console, profile and consent pages. No inline script
 * or style (the CSP forbids them): behaviour lives in /assets/app.js, looks in /assets/app.css.
 */
import { html, type Html, type HtmlValue } from './html.js';

export interface LayoutUser {
  readonly username: string;
  readonly administrator: boolean;
  readonly permissions: readonly string[];
}

export interface Flash {
  readonly kind: 'success' | 'error' | 'info';
  readonly message: string;
}

export interface PageOptions {
  readonly title: string;
  readonly body: HtmlValue;
  readonly user?: LayoutUser | null;
  /** CSRF token for the log-out form in the header. */
  readonly csrfToken?: string;
  readonly flash?: Flash | null;
  /** Which navigation entry is current. */
  readonly active?: 'auth-clients' | 'tokens' | 'users' | 'scopes' | 'audit' | 'profile' | 'apps';
  /** A narrow, centred card (login, consent, errors). */
  readonly narrow?: boolean;
}

function navLink(href: string, label: string, key: string, active: string | undefined): Html {
  return html`<a href="${href}" class="nav-link"${active === key ? html` aria-current="page"` : ''}>${label}</a>`;
}

export function flashBanner(flash: Flash | null | undefined): HtmlValue {
  if (!flash) return null;
  return html`<div class="flash flash-${flash.kind}" role="${flash.kind === 'error' ? 'alert' : 'status'}">${flash.message}</div>`;
}

export function renderPage(options: PageOptions): string {
  const { user } = options;
  const canViewClients = user && (user.administrator || user.permissions.includes('view-auth_clients'));
  const nav = user
    ? html`<nav class="nav" aria-label="Main">
        ${canViewClients ? navLink('/admin/auth-clients', 'Auth Clients', 'auth-clients', options.active) : ''}
        ${user.administrator ? navLink('/admin/tokens', 'Tokens', 'tokens', options.active) : ''}
        ${user.administrator ? navLink('/admin/users', 'Users', 'users', options.active) : ''}
        ${user.administrator ? navLink('/admin/scopes', 'Scopes', 'scopes', options.active) : ''}
        ${user.administrator ? navLink('/admin/audit', 'Audit log', 'audit', options.active) : ''}
        ${navLink('/profile/tokens', 'My API tokens', 'profile', options.active)}
        ${navLink('/profile/apps', 'Authorized applications', 'apps', options.active)}
        ${navLink('/api/docs', 'API reference', 'docs', options.active)}
      </nav>
      <div class="account">
        <span class="account-name" title="Signed in">${user.username}</span>
        <form method="post" action="/logout" class="inline-form">
          <input type="hidden" name="_csrf" value="${options.csrfToken ?? ''}">
          <button type="submit" class="btn btn-link">Log out</button>
        </form>
      </div>`
    : '';
  const page = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${options.title} · Keygate</title>
<link rel="icon" href="/assets/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/assets/app.css">
<script src="/assets/app.js" defer></script>
</head>
<body>
<a class="skip-link" href="#main">Skip to content</a>
<header class="topbar">
  <a class="brand" href="/"><img src="/assets/favicon.svg" alt="" width="22" height="22">Keygate</a>
  ${nav}
</header>
<main id="main" class="${options.narrow ? 'container narrow' : 'container'}" tabindex="-1">
  ${flashBanner(options.flash)}
  ${options.body}
</main>
</body>
</html>`;
  return page.value;
}

/** A readable error page (never a stack trace). */
export function renderErrorPage(title: string, message: string, user?: LayoutUser | null, csrfToken?: string): string {
  return renderPage({
    title,
    user: user ?? null,
    ...(csrfToken ? { csrfToken } : {}),
    narrow: true,
    body: html`<section class="card"><h1>${title}</h1><p>${message}</p><p><a href="/">Back to Keygate</a></p></section>`,
  });
}
