/**
 * "Authorized applications" (/profile/apps): the applications the signed-in user allowed to act
 * for them, with what they may do, since when and their last use, and **Revoke access** on each:
 * a confirmation page, then **Confirm** (POST), then back to the list with a message. Withdrawing
 * ends every token the user holds through that application and forgets the consent
 * (src/services/authorizations.ts). Personal access tokens are on "My API tokens".
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Authorization, AuthorizationService } from '../../services/authorizations.js';
import { nullIfNotFound } from '../../services/errors.js';
import type { User } from '../../store/user-store.js';
import { csrfCheck, csrfToken } from '../plugins/security.js';
import { confirmCard, pagination } from '../views/components.js';
import { formatDate, html, type Html } from '../views/html.js';
import { renderPage } from '../views/layout.js';

export const PROFILE_APPS_PATH = '/profile/apps';
const PER_PAGE = 20;
const GONE = 'That application has no access to withdraw (any more).';

function pageNumber(query: unknown): number {
  const n = Number((query as { page?: string } | null)?.page ?? 1);
  return Number.isInteger(n) && n >= 1 && n <= 100_000 ? n : 1;
}

function appsTable(apps: readonly Authorization[]): Html {
  return html`<div class="table-wrap"><table class="stacked">
  <caption class="muted small">Applications you authorized</caption>
  <thead><tr><th scope="col">Application</th><th scope="col">Scopes</th><th scope="col">Authorized</th><th scope="col">Last used</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
  <tbody>
  ${apps.length === 0 ? html`<tr><td colspan="5" class="empty">You have not authorized any application.</td></tr>` : ''}
  ${apps.map(
    (a) => html`<tr data-client-id="${a.clientId}">
    <td data-label="Application">${a.clientName}</td>
    <td data-label="Scopes">${a.scopes.map((s) => html`<span class="badge">${s}</span>`)}</td>
    <td data-label="Authorized">${formatDate(a.createdAt)}</td>
    <td data-label="Last used">${a.lastUsedAt ? formatDate(a.lastUsedAt) : 'Never'}</td>
    <td class="row-actions"><a class="btn btn-secondary btn-small" href="${PROFILE_APPS_PATH}/${encodeURIComponent(a.clientId)}/revoke" aria-label="Revoke access of ${a.clientName}">Revoke access</a></td>
  </tr>`,
  )}
  </tbody>
</table></div>`;
}

export async function appsRoutes(app: FastifyInstance, { authorizations }: { authorizations: AuthorizationService }): Promise<void> {
  const session = app.consoleSession;
  const page = (reply: FastifyReply, body: string) => reply.type('text/html; charset=utf-8').send(body);

  app.get(PROFILE_APPS_PATH, async (request, reply) => {
    const user = await session.requireUser(request, reply);
    if (!user) return reply;
    const flash = session.takeFlash(request, reply);
    const number = pageNumber(request.query);
    const { data, total } = await authorizations.list(session.actor(request, user), user.id, { page: number, perPage: PER_PAGE });
    const csrf = csrfToken(request, reply);
    const body = html`<div class="page-header"><h1>Authorized applications</h1></div>
<p class="muted">These applications may act for you with the scopes shown. Revoking access ends their tokens at once; they must ask you again to come back. Your personal access tokens are on <a href="/profile/tokens">My API tokens</a>.</p>
${appsTable(data)}
${pagination({ path: PROFILE_APPS_PATH, query: {}, page: number, perPage: PER_PAGE, total })}`;
    return page(reply, renderPage({ title: 'Authorized applications', user, csrfToken: csrf, active: 'apps', flash, body }));
  });

  const confirmation = async (request: FastifyRequest<{ Params: { clientId: string } }>, reply: FastifyReply, user: User) => {
    const found = await authorizations.get(session.actor(request, user), user.id, request.params.clientId).catch(nullIfNotFound);
    if (!found) {
      session.setFlash(reply, { kind: 'error', message: GONE });
      return reply.redirect(PROFILE_APPS_PATH, 303);
    }
    const csrf = csrfToken(request, reply);
    const body = confirmCard({
      title: 'Revoke access',
      message: html`<p>Revoke the access of <strong>${found.clientName}</strong>? Its tokens stop working at once, and it will have to ask for your permission again.</p>`,
      action: `${PROFILE_APPS_PATH}/${encodeURIComponent(found.clientId)}/revoke`,
      csrf,
      cancelHref: PROFILE_APPS_PATH,
    });
    return page(reply, renderPage({ title: 'Revoke access', user, csrfToken: csrf, active: 'apps', narrow: true, body }));
  };

  app.get<{ Params: { clientId: string } }>(`${PROFILE_APPS_PATH}/:clientId/revoke`, async (request, reply) => {
    const user = await session.requireUser(request, reply);
    if (!user) return reply;
    return confirmation(request, reply, user);
  });

  app.post<{ Params: { clientId: string } }>(`${PROFILE_APPS_PATH}/:clientId/revoke`, { preHandler: csrfCheck(app) }, async (request, reply) => {
    const user = await session.requireUser(request, reply);
    if (!user) return reply;
    const done = await authorizations.revoke(session.actor(request, user), user.id, request.params.clientId).catch(nullIfNotFound);
    session.setFlash(
      reply,
      done
        ? { kind: 'success', message: `Access of "${done.authorization.clientName}" revoked: ${done.tokensRevoked} token${done.tokensRevoked === 1 ? '' : 's'} ended.` }
        : { kind: 'error', message: GONE },
    );
    return reply.redirect(PROFILE_APPS_PATH, 303);
  });
}
