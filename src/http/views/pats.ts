/**
 * Personal access token pieces shared by "My API tokens" (/profile/tokens) and an administrator's
 * user page: the create form, the token shown once, the list (never the token itself), and the
 * form handling that turns a submitted form into an issued token or inline errors.
 */
import type { FastifyRequest } from 'fastify';
import type { Config } from '../../config.js';
import { defaultPatExpiryChoice, PAT_EXPIRY_LABELS, patExpiryChoices, resolvePatExpiry } from '../../domain/pat.js';
import { SCOPE_DESCRIPTIONS, SCOPES } from '../../domain/scope.js';
import type { Actor, UserActor } from '../../services/actor.js';
import { ValidationError } from '../../services/errors.js';
import type { OneTimeResultService } from '../../services/one-time-results.js';
import type { PatService } from '../../services/pats.js';
import type { PersonalAccessToken } from '../../store/pat-store.js';
import { formList as list, formText as field } from '../form-fields.js';
import { emptyRow, fieldError, hiddenCsrf, secretReveal, textField, type FormErrors } from './components.js';
import { formatDate, html, type Html } from './html.js';

export const COPY_WARNING = "Make sure you copy your token now. You won't be able to see it again.";
/** A token to show once, or 'gone' when its page was already shown. */
export type PatReveal = { readonly token: string } | 'gone';

export const TOKEN_ALREADY_SHOWN = 'This token was shown once and cannot be shown again. If it was not copied, revoke it and create a new one.';

export interface PatFormValues {
  readonly name: string;
  readonly clientId: string;
  readonly scopes: string[];
  readonly expiry: string;
  readonly expiryDate: string;
}

export type PatConfig = Pick<Config, 'patTtlSeconds' | 'patMaxTtlSeconds'>;

export function defaultPatForm(config: PatConfig): PatFormValues {
  return { name: '', clientId: '', scopes: ['api'], expiry: defaultPatExpiryChoice(config.patTtlSeconds, config.patMaxTtlSeconds), expiryDate: '' };
}

export type PatFormOutcome =
  | { readonly ok: true; readonly token: string; readonly pat: PersonalAccessToken }
  | { readonly ok: false; readonly values: PatFormValues; readonly errors: FormErrors };

/** The create form as posted (kept when it is shown again). */
export function readPatForm(body: unknown): PatFormValues {
  return {
    name: field(body, 'name').slice(0, 1000),
    clientId: field(body, 'client_id'),
    scopes: list(body, 'scopes'),
    expiry: field(body, 'expiry'),
    expiryDate: field(body, 'expiry_date'),
  };
}

/** Reads the create form and issues the token for `ownerId` through the PAT service, or returns the form with its errors. */
export async function submitPatForm(pats: PatService, config: PatConfig, request: FastifyRequest, actor: Actor, ownerId: string): Promise<PatFormOutcome> {
  const values = readPatForm(request.body);
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

/**
 * The token a create form made for `ownerId`, taken from the one-time results named by `?shown=`
 * (then deleted); 'gone' once it was shown; undefined when the page was not asked to show one.
 */
export async function takePatResult(results: OneTimeResultService, actor: UserActor, query: unknown, ownerId: string): Promise<PatReveal | undefined> {
  const id = field(query, 'shown');
  if (id === '') return undefined;
  const result = await results.take(actor, id);
  return result?.kind === 'personal_access_token' && result.ownerId === ownerId ? { token: result.token } : 'gone';
}

/** The token made by the form, once; or, on a reload of that page, that it was already shown. */
export function patReveal(reveal: PatReveal): Html {
  if (reveal === 'gone') return html`<div class="flash flash-info" role="status" id="token-gone">${TOKEN_ALREADY_SHOWN}</div>`;
  return secretReveal({ id: 'new-token', label: 'Your new personal access token', value: reveal.token, warning: COPY_WARNING });
}

export function patCreateForm(
  config: PatConfig,
  options: { action: string; csrf: string; clients: ReadonlyArray<{ id: string; name: string }>; values: PatFormValues; errors: FormErrors; notice?: string },
): Html {
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
  ${options.notice ? html`<div class="flash flash-info" role="status">${options.notice}</div>` : ''}
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
  return html`<div class="table-wrap"><table class="stacked">
  <caption class="muted small">Personal access tokens</caption>
  <thead><tr><th scope="col">Name</th><th scope="col">Client</th><th scope="col">Scopes</th><th scope="col">Token</th><th scope="col">Created</th><th scope="col">Expires</th><th scope="col">Last used</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
  <tbody>
  ${pats.length === 0 ? emptyRow(8, 'No tokens yet. Create one below to call the API from a script.') : ''}
  ${pats.map(
    (p) => html`<tr data-token-id="${p.id}">
    <td data-label="Name">${p.name}</td>
    <td data-label="Client">${p.clientName}</td>
    <td data-label="Scopes">${p.scopes.map((s) => html`<span class="badge">${s}</span>`)}</td>
    <td data-label="Token"><code>${p.prefix}…</code></td>
    <td data-label="Created">${formatDate(p.createdAt)}</td>
    <td data-label="Expires">${p.expiresAt ? html`${formatDate(p.expiresAt)}${p.expiresAt.getTime() <= now ? html` <span class="badge badge-red">Expired</span>` : ''}` : 'Never'}</td>
    <td data-label="Last used">${p.lastUsedAt ? formatDate(p.lastUsedAt) : 'Never'}</td>
    <td class="row-actions"><a class="btn btn-secondary btn-small" href="${options.revokeBase}/${p.id}/revoke" aria-label="Revoke ${p.name}">Revoke</a></td>
  </tr>`,
  )}
  </tbody>
</table></div>`;
}
