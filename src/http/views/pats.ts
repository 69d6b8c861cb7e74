/**
 * Personal access token pieces shared by "My API tokens" (/profile/tokens) and an administrator's
 * user page: the create form, the token shown once, the list (never the token itself), and the
 * form handling that turns a submitted form into an issued token or inline errors.
 */
import type { FastifyRequest } from 'fastify';
import type { Config } from '../../config.js';
import { defaultPatExpiryChoice, PAT_EXPIRY_LABELS, patExpiryChoices, resolvePatExpiry } from '../../domain/pat.js';
import { SCOPE_DESCRIPTIONS, SCOPES } from '../../domain/scope.js';
import type { Actor } from '../../services/actor.js';
import { ValidationError } from '../../services/errors.js';
import type { PatService } from '../../services/pats.js';
import type { PersonalAccessToken } from '../../store/pat-store.js';
import { fieldError, hiddenCsrf, secretReveal, textField, type FormErrors } from './components.js';
import { formatDate, html, type Html } from './html.js';

export const COPY_WARNING = "Make sure you copy your token now. You won't be able to see it again.";

export interface PatFormValues {
  readonly name: string;
  readonly clientId: string;
  readonly scopes: string[];
  readonly expiry: string;
  readonly expiryDate: string;
}

function field(body: unknown, name: string): string {
  const v = (body as Record<string, unknown> | null)?.[name];
  return typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : '';
}

function list(body: unknown, name: string): string[] {
  const v = (body as Record<string, unknown> | null)?.[name];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  return typeof v === 'string' ? [v] : [];
}

export type PatConfig = Pick<Config, 'patTtlSeconds' | 'patMaxTtlSeconds'>;

export function defaultPatForm(config: PatConfig): PatFormValues {
  return { name: '', clientId: '', scopes: ['api'], expiry: defaultPatExpiryChoice(config.patTtlSeconds, config.patMaxTtlSeconds), expiryDate: '' };
}

export type PatFormOutcome =
  | { readonly ok: true; readonly token: string; readonly pat: PersonalAccessToken }
  | { readonly ok: false; readonly values: PatFormValues; readonly errors: FormErrors };

/** Reads the create form and issues the token for `ownerId` through the PAT service, or returns the form with its errors. */
export async function submitPatForm(pats: PatService, config: PatConfig, request: FastifyRequest, actor: Actor, ownerId: string): Promise<PatFormOutcome> {
  const body = request.body;
  const values: PatFormValues = {
    name: field(body, 'name').slice(0, 1000),
    clientId: field(body, 'client_id'),
    scopes: list(body, 'scopes'),
    expiry: field(body, 'expiry'),
    expiryDate: field(body, 'expiry_date'),
  };
  const expiry = resolvePatExpiry(values.expiry, values.expiryDate || undefined, Date.now(), config.patMaxTtlSeconds);
  const input = { name: values.name, clientId: values.clientId || undefined, scopes: values.scopes };
  try {
    // An unreadable expiry is reported with every other problem of the form at once.
    const result =
      'error' in expiry ? await pats.create(actor, ownerId, input, { expires_at: [expiry.error] }) : await pats.create(actor, ownerId, { ...input, expiresAt: expiry.expiresAt });
    return { ok: true, ...result };
  } catch (err) {
    if (err instanceof ValidationError) return { ok: false, values, errors: err.errors };
    throw err;
  }
}

export function patReveal(token: string): Html {
  return secretReveal({ id: 'new-token', label: 'Your new personal access token', value: token, warning: COPY_WARNING });
}

export function patCreateForm(config: PatConfig, options: { action: string; csrf: string; clients: ReadonlyArray<{ id: string; name: string }>; values: PatFormValues; errors: FormErrors }): Html {
  const { values, errors } = options;
  const choices = patExpiryChoices(config.patMaxTtlSeconds);
  const clientSelect =
    options.clients.length > 1
      ? html`<div class="field"><label for="pat-client">Client</label>
  <select id="pat-client" name="client_id"${errors.client_id ? html` aria-invalid="true" aria-describedby="pat-client-error"` : ''}>
    ${options.clients.map((c) => html`<option value="${c.id}"${c.id === values.clientId ? html` selected` : ''}>${c.name}</option>`)}
  </select>${fieldError('pat-client', errors.client_id)}</div>`
      : html`${options.clients[0] ? html`<input type="hidden" name="client_id" value="${options.clients[0].id}"><p class="muted small">Client: ${options.clients[0].name}</p>` : ''}${fieldError('pat-client', errors.client_id)}`;
  return html`<section class="card" aria-labelledby="pat-form-title">
  <h2 id="pat-form-title">Create a token</h2>
  <form method="post" action="${options.action}" novalidate>
    ${hiddenCsrf(options.csrf)}
    ${textField({ id: 'pat-name', name: 'name', label: 'Name', value: values.name, required: true, maxlength: 255, errors: errors.name, hint: 'What the token is for, e.g. "CI deploy".' })}
    ${clientSelect}
    <fieldset><legend>Scopes</legend>
      ${SCOPES.map((s) => html`<label class="checkbox" for="pat-scope-${s.replace(':', '-')}"><input type="checkbox" id="pat-scope-${s.replace(':', '-')}" name="scopes" value="${s}"${values.scopes.includes(s) ? html` checked` : ''}> <span><code>${s}</code> — ${SCOPE_DESCRIPTIONS[s]}</span></label>`)}
      ${fieldError('pat-scopes', errors.scopes)}
    </fieldset>
    <div class="field"><label for="pat-expiry">Expires</label>
      <select id="pat-expiry" name="expiry" data-reveals="date:pat-expiry-date-wrap"${errors.expires_at ? html` aria-invalid="true" aria-describedby="pat-expiry-error"` : ''}>
        ${choices.map((c) => html`<option value="${c}"${c === values.expiry ? html` selected` : ''}>${PAT_EXPIRY_LABELS[c]}</option>`)}
      </select>
      ${config.patMaxTtlSeconds !== undefined ? html`<div class="hint">Tokens on this server must expire.</div>` : ''}
    </div>
    <div id="pat-expiry-date-wrap">${textField({ id: 'pat-expiry-date', name: 'expiry_date', label: 'Expiry date', type: 'date', value: values.expiryDate, errors: errors.expires_at, hint: 'For "Custom date": the token expires at the end of that day (UTC).' })}</div>
    <button type="submit" class="btn btn-primary">Create token</button>
  </form>
</section>`;
}

export function patTable(pats: readonly PersonalAccessToken[], options: { revokeBase: string; now?: number }): Html {
  const now = options.now ?? Date.now();
  return html`<div class="table-wrap"><table>
  <caption class="muted small">Personal access tokens</caption>
  <thead><tr><th scope="col">Name</th><th scope="col">Client</th><th scope="col">Scopes</th><th scope="col">Token</th><th scope="col">Created</th><th scope="col">Expires</th><th scope="col">Last used</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
  <tbody>
  ${pats.length === 0 ? html`<tr><td colspan="8" class="empty">No tokens yet.</td></tr>` : ''}
  ${pats.map(
    (p) => html`<tr data-token-id="${p.id}">
    <td>${p.name}</td>
    <td>${p.clientName}</td>
    <td>${p.scopes.map((s) => html`<span class="badge">${s}</span>`)}</td>
    <td><code>${p.prefix}…</code></td>
    <td>${formatDate(p.createdAt)}</td>
    <td>${p.expiresAt ? html`${formatDate(p.expiresAt)}${p.expiresAt.getTime() <= now ? html` <span class="badge badge-red">Expired</span>` : ''}` : 'Never'}</td>
    <td>${p.lastUsedAt ? formatDate(p.lastUsedAt) : 'Never'}</td>
    <td><a class="btn btn-secondary btn-small" href="${options.revokeBase}/${p.id}/revoke" aria-label="Revoke ${p.name}">Revoke</a></td>
  </tr>`,
  )}
  </tbody>
</table></div>`;
}
