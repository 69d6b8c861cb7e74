/**
 * The consent page (application name, requested scopes in plain words, Authorize / Deny) and the
 * small "continuing" page used when an approval must leave a page whose CSP would block the
 * redirect. No inline script or style: the CSP forbids them.
 */
import { html } from './html.js';
import { renderPage, type LayoutUser } from './layout.js';

export interface ConsentView {
  readonly user: LayoutUser;
  readonly csrfToken: string;
  readonly clientName: string;
  readonly redirectHost: string;
  /** Each requested scope with its description; `isNew`: not allowed to this application before. */
  readonly scopes: ReadonlyArray<{ readonly name: string; readonly description: string; readonly isNew: boolean }>;
  /** The user allowed this application something before (so the New marks mean "more than then"). */
  readonly askedBefore: boolean;
  /** The authorization request's parameters, carried unchanged to the POST. */
  readonly fields: Readonly<Record<string, string>>;
  /** Where the form posts (the device flow's /device; default /oauth/authorize). */
  readonly action?: string;
  /** What happens next, instead of "You will be sent back to …". */
  readonly note?: string;
}

export function renderConsentPage(view: ConsentView): string {
  return renderPage({
    title: `Authorize ${view.clientName}`,
    user: view.user,
    csrfToken: view.csrfToken,
    narrow: true,
    body: html`<section class="card consent" aria-labelledby="consent-title">
  <h1 id="consent-title"><strong>${view.clientName}</strong> wants to access your Keygate account</h1>
  ${view.askedBefore && view.scopes.some((s) => s.isNew) ? html`<p class="flash flash-info" role="status">${view.clientName} is asking for more than you allowed it before: the new permissions are marked <strong>New</strong>.</p>` : ''}
  <p>Signed in as <strong>${view.user.username}</strong>. If you allow it, ${view.clientName} will be able to:</p>
  <ul class="scope-list">
    ${view.scopes.map((s) => html`<li><span class="scope-name">${s.name}</span> — ${s.description}${s.isNew ? html` <span class="badge badge-orange scope-new">New</span>` : ''}</li>`)}
  </ul>
  <p class="muted small">${view.note ?? `You will be sent back to ${view.redirectHost}.`}</p>
  <form method="post" action="${view.action ?? '/oauth/authorize'}" class="actions">
    <input type="hidden" name="_csrf" value="${view.csrfToken}">
    ${Object.entries(view.fields).map(([k, v]) => html`<input type="hidden" name="${k}" value="${v}">`)}
    <button type="submit" name="decision" value="authorize" class="btn btn-primary">Authorize</button>
    <button type="submit" name="decision" value="deny" class="btn btn-secondary">Deny</button>
  </form>
</section>`,
  });
}

/** A page that sends the browser on to `url` (meta refresh, plus a link for anything that ignores it). */
export function renderContinuePage(clientName: string, url: string): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="refresh" content="0;url=${url}">
<title>Returning to ${clientName} · Keygate</title>
<link rel="icon" href="/assets/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/assets/app.css">
</head>
<body>
<main id="main" class="container narrow"><section class="card"><h1>Returning to ${clientName}</h1>
<p><a class="btn btn-primary" href="${url}">Continue to ${clientName}</a></p></section></main>
</body>
</html>`.value;
}
