/**
 * One client's page (/admin/auth-clients/{id}): its settings, its id with a Copy button, the
 * endpoints, an authorize URL for its first redirect URL with a fresh PKCE pair, and a quickstart
 * per enabled grant. Created and updated clients land here; the secret is shown here once.
 */
import { randomBytes } from 'node:crypto';
import type { Client } from '../../../domain/client.js';
import { s256Challenge } from '../../../domain/pkce.js';
import type { ClientWithStats } from '../../../services/clients.js';
import { breakableUrl, copyButton, secretReveal } from '../../views/components.js';
import { formatDate, html, type Html, type HtmlValue } from '../../views/html.js';
import { quickstartHtml, quickstartSections, type QuickstartEndpoints } from '../../views/quickstart.js';
import { CLIENTS_PATH, clientPath, PERMISSION_LABELS, SECRET_ALREADY_SHOWN, SECRET_WARNING, typeBadges, type ClientPermissions } from './auth-client-views.js';

export interface ClientPageView {
  readonly client: ClientWithStats;
  readonly metadata: QuickstartEndpoints & { readonly issuer: string };
  readonly metadataUrl: string;
  readonly userId: string;
  readonly can: ClientPermissions;
  /** The secret to show this once, or 'gone' when its one-time page was already shown. */
  readonly secret?: { readonly value: string; readonly created: boolean } | 'gone';
  readonly back?: string;
}

function yesNo(value: boolean): string {
  return value ? 'Yes' : 'No';
}

/** An authorize URL for the first redirect URL, with a PKCE pair made for this page view. */
function authorizeExample(client: Client, metadata: QuickstartEndpoints): Html | null {
  const redirect = client.redirect[0];
  if (!client.types.includes('authorization_code_grant') || redirect === undefined) return null;
  const verifier = randomBytes(32).toString('base64url');
  const url = new URL(metadata.authorization_endpoint);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: client.id,
    redirect_uri: redirect,
    scope: 'api',
    state: randomBytes(12).toString('base64url'),
    code_challenge: s256Challenge(verifier),
    code_challenge_method: 'S256',
  }).toString();
  return html`<section class="card" aria-labelledby="authorize-title">
  <h2 id="authorize-title">Try the authorization code flow</h2>
  <p class="muted small">An authorize URL for <code>${redirect}</code>, with a PKCE pair made for this page (RFC 7636, S256). Open it, Authorize, then exchange the code with this verifier (step 3 below).</p>
  <dl class="meta">
    <dt>Authorize URL</dt><dd><a class="url" id="authorize-url" href="${url.toString()}">${breakableUrl(url.toString())}</a> ${copyButton('authorize-url')}</dd>
    <dt>Code verifier</dt><dd><code id="example-verifier">${verifier}</code> ${copyButton('example-verifier')}</dd>
  </dl>
</section>`;
}

function settings(client: ClientWithStats, can: ClientPermissions): Html {
  return html`<section class="card" aria-labelledby="settings-title">
  <h2 id="settings-title">Settings</h2>
  <dl class="meta">
    <dt>Client ID</dt><dd><code id="client-id-value">${client.id}</code> ${copyButton('client-id-value')}</dd>
    <dt>Type</dt><dd>${client.confidential ? 'Confidential: authenticates with its secret' : 'Public: no secret, PKCE required'}</dd>
    <dt>Grant types</dt><dd>${typeBadges(client.types)}</dd>
    <dt>Require PKCE</dt><dd>${client.confidential ? yesNo(client.requirePkce) : 'Yes (a public client always does)'}</dd>
    <dt>Allowed origins</dt><dd>${client.allowedOrigins.length ? client.allowedOrigins.map((o) => html`<div class="mono small url">${o}</div>`) : html`<span class="muted">None</span>`}</dd>
    <dt>Redirect URLs</dt><dd>${client.redirect.length ? client.redirect.map((r) => html`<div class="mono small url">${breakableUrl(r)}</div>`) : html`<span class="muted">None</span>`}</dd>
    <dt>Trusted</dt><dd>${yesNo(client.trusted)}${client.trusted ? ' (no consent screen)' : ''}</dd>
    <dt>Introspects all tokens</dt><dd>${yesNo(client.introspectAll)}</dd>
    <dt>Permissions</dt><dd>${client.permissions.length ? client.permissions.map((p) => html`<span class="badge badge-gray">${PERMISSION_LABELS[p] ?? p}</span>`) : html`<span class="muted">None</span>`}</dd>
    <dt>Active tokens</dt><dd>${client.stats.activeTokens}${can.administrator && client.stats.activeTokens > 0 ? html` <a href="/admin/tokens?client=${encodeURIComponent(client.id)}">See them</a>` : ''}</dd>
    <dt>Last used</dt><dd>${client.stats.lastUsedAt ? formatDate(client.stats.lastUsedAt) : 'Never'}</dd>
    <dt>Created</dt><dd>${formatDate(client.createdAt)}</dd>
    <dt>Updated</dt><dd>${formatDate(client.updatedAt)}</dd>
  </dl>
</section>`;
}

function endpoints(view: ClientPageView): Html {
  const m = view.metadata;
  const rows: Array<[string, string]> = [
    ['Issuer', m.issuer],
    ['Authorization', m.authorization_endpoint],
    ['Token', m.token_endpoint],
    ['Revocation', m.revocation_endpoint],
    ...(m.device_authorization_endpoint ? [['Device authorization', m.device_authorization_endpoint] as [string, string]] : []),
    ['Introspection', m.introspection_endpoint],
    ['Metadata (RFC 8414)', view.metadataUrl],
  ];
  return html`<section class="card" aria-labelledby="endpoints-title">
  <h2 id="endpoints-title">Endpoints</h2>
  <dl class="meta">${rows.map(([label, url]) => html`<dt>${label}</dt><dd><code class="url">${breakableUrl(url)}</code></dd>`)}</dl>
  <p class="muted small">Clients authenticate with HTTP Basic or with <code>client_id</code> and <code>client_secret</code> in the body, never both. The <a href="/api/docs">API reference</a> describes every endpoint.</p>
</section>`;
}

function secretBlock(view: ClientPageView): HtmlValue {
  if (view.secret === undefined) return null;
  if (view.secret === 'gone') return html`<div class="flash flash-info" role="status" id="secret-gone">${SECRET_ALREADY_SHOWN}</div>`;
  return secretReveal({ id: 'client-secret', label: view.secret.created ? 'Client secret' : 'New client secret', value: view.secret.value, warning: SECRET_WARNING });
}

export function clientPageBody(view: ClientPageView): Html {
  const { client, can } = view;
  const sections = quickstartSections({ metadata: view.metadata, client, userId: view.userId });
  return html`<p class="breadcrumb"><a href="${view.back ?? CLIENTS_PATH}">← Auth Clients</a></p>
<div class="page-header">
  <h1>${client.name}${client.confidential ? '' : html` <span class="badge badge-gray">Public</span>`}${client.trusted ? html` <span class="badge badge-gray">Trusted</span>` : ''}</h1>
  <div class="actions">
    ${can.edit ? html`<a class="btn btn-secondary" href="${clientPath(client.id)}/edit${view.back ? `?back=${encodeURIComponent(view.back)}` : ''}">Edit<span class="visually-hidden"> Auth Client</span></a>` : ''}
    ${can.edit && client.confidential ? html`<a class="btn btn-secondary" href="${clientPath(client.id)}/secret">Regenerate secret</a>` : ''}
    ${can.delete ? html`<a class="btn btn-danger-outline" href="${clientPath(client.id)}/delete${view.back ? `?back=${encodeURIComponent(view.back)}` : ''}">Delete<span class="visually-hidden"> Auth Client</span></a>` : ''}
  </div>
</div>
${secretBlock(view)}
<div class="client-page">
${settings(client, can)}
${endpoints(view)}
</div>
${authorizeExample(client, view.metadata)}
<section class="card" aria-labelledby="quickstart-title">
  <h2 id="quickstart-title">Quickstart</h2>
  ${sections.length
    ? html`<p class="muted small">Copy a block into a terminal (bash, curl${client.types.includes('authorization_code_grant') ? ', openssl' : ''}) and replace the values in quotes that start with “paste” or “your”.</p>${quickstartHtml(sections)}`
    : html`<p class="muted">Enable a grant type to see how to obtain a token.</p>`}
  ${client.types.includes('password_client') ? migrationNote(client.types.includes('device_code_grant')) : ''}
</section>`;
}

/** How a password-grant application moves to the device flow (RFC 9700 §2.4: the password grant MUST NOT be used). */
function migrationNote(hasDevice: boolean): Html {
  return html`<section class="quickstart" aria-labelledby="qs-migrate-title" id="qs-migrate">
  <h3 id="qs-migrate-title">Moving from the Password Grant</h3>
  <ol class="small">
    <li>${hasDevice ? 'The Device Authorization Grant is enabled on this client.' : html`Edit this client and tick <strong>Enable Device Authorization Grant</strong>.`} Same client ID and secret.</li>
    <li>In the application, replace the username and password prompt with the device flow (${hasDevice ? 'its quickstart is above' : 'its quickstart appears here once the grant is enabled'}): show the user code and the address, poll the token endpoint until the user has clicked Authorize. The application never sees a password again, and the tokens it gets are the same kind (access and refresh).</li>
    <li>Once every copy of the application is updated, untick <strong>Enable Password Grant</strong>: the tokens still issued through it stop working.</li>
  </ol>
</section>`;
}

/** For someone who may create clients but not view them: what they just made, once. */
export function createdOnlyBody(options: { id: string; name: string; secret: { value: string; created: boolean } | 'gone' }): Html {
  return html`<div class="page-header"><h1>${options.name}</h1></div>
${options.secret === 'gone' ? html`<div class="flash flash-info" role="status" id="secret-gone">${SECRET_ALREADY_SHOWN}</div>` : secretReveal({ id: 'client-secret', label: 'Client secret', value: options.secret.value, warning: SECRET_WARNING })}
<section class="card"><dl class="meta"><dt>Client ID</dt><dd><code id="client-id-value">${options.id}</code> ${copyButton('client-id-value')}</dd></dl></section>`;
}
