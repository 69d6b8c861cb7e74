/**
 * "My API tokens" (/profile/tokens): the signed-in user's personal access tokens. Create (post,
 * then redirect: the token is kept sealed as a one-time result and shown once by the page, with a
 * Copy button and the warning; a reload says it was already shown), list, and revoke after a
 * confirmation.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { nullIfNotFound } from '../../services/errors.js';
import type { OneTimeResultService } from '../../services/one-time-results.js';
import type { PatService } from '../../services/pats.js';
import type { User } from '../../store/user-store.js';
import { FORM_EXPIRED } from '../expired-forms.js';
import { pastLastPage, readPaging } from '../paging.js';
import { csrfCheck, csrfToken } from '../plugins/security.js';
import { confirmCard, pagination, type FormErrors } from '../views/components.js';
import { html, type HtmlValue } from '../views/html.js';
import { renderPage, type Flash } from '../views/layout.js';
import { defaultPatForm, patCreateForm, patReveal, patTable, readPatForm, submitPatForm, takePatResult, type PatConfig, type PatReveal, type PatFormValues } from '../views/pats.js';

export const PROFILE_TOKENS_PATH = '/profile/tokens';
const PAGE_SIZES = [20, 50, 100];

export interface ProfileDeps {
  readonly pats: PatService;
  readonly oneTimeResults: OneTimeResultService;
  readonly config: PatConfig;
}

export async function profileRoutes(app: FastifyInstance, { pats, oneTimeResults, config }: ProfileDeps): Promise<void> {
  const session = app.consoleSession;

  /** The page, or null when the page asked for is past the last one (the reply then redirects there). */
  const render = async (
    request: FastifyRequest,
    reply: FastifyReply,
    user: User,
    extra: { reveal?: PatReveal; values?: PatFormValues; errors?: FormErrors; flash?: Flash | null; notice?: string } = {},
  ): Promise<string | null> => {
    const paging = readPaging(request.query, PAGE_SIZES);
    const [{ data, total }, clients] = await Promise.all([pats.list(session.actor(request, user), user.id, paging), pats.patClients()]);
    const past = pastLastPage(PROFILE_TOKENS_PATH, {}, paging, total, PAGE_SIZES[0]);
    if (past && extra.values === undefined) {
      await reply.redirect(past, 303);
      return null;
    }
    const csrf = csrfToken(request, reply);
    const body: HtmlValue = html`<div class="page-header"><h1>My API tokens</h1></div>
<p class="muted">Personal access tokens let a script or application call the API as you. Treat them like passwords.</p>
${extra.reveal ? patReveal(extra.reveal) : ''}
${patTable(data, { revokeBase: PROFILE_TOKENS_PATH })}
${pagination({ path: PROFILE_TOKENS_PATH, query: {}, ...paging, total, sizes: PAGE_SIZES })}
${patCreateForm(config, { action: PROFILE_TOKENS_PATH, csrf, clients, values: extra.values ?? defaultPatForm(config), errors: extra.errors ?? {}, ...(extra.notice ? { notice: extra.notice } : {}) })}`;
    return renderPage({ title: 'My API tokens', user, csrfToken: csrf, active: 'profile', flash: extra.flash ?? null, body });
  };

  const send = (reply: FastifyReply, page: string | null) => (page === null ? reply : reply.type('text/html; charset=utf-8').send(page));

  app.get(PROFILE_TOKENS_PATH, async (request, reply) => {
    const user = await session.requireUser(request, reply);
    if (!user) return reply;
    const flash = session.takeFlash(request, reply);
    // The page may show a token: never kept by the browser or a proxy.
    reply.header('Cache-Control', 'no-store');
    const reveal = await takePatResult(oneTimeResults, session.actor(request, user), request.query, user.id);
    return send(reply, await render(request, reply, user, { flash, ...(reveal ? { reveal } : {}) }));
  });

  const expired = async (request: FastifyRequest, reply: FastifyReply) => {
    const user = await session.user(request);
    if (!user) return false;
    send(reply, await render(request, reply, user, { values: readPatForm(request.body), notice: FORM_EXPIRED }));
    return true;
  };

  app.post(PROFILE_TOKENS_PATH, { preHandler: csrfCheck(app), config: { expiredForm: expired } }, async (request, reply) => {
    const user = await session.requireUser(request, reply);
    if (!user) return reply;
    const actor = session.actor(request, user);
    const outcome = await submitPatForm(pats, config, request, actor, user.id);
    if (!outcome.ok) {
      reply.code(422);
      return send(reply, await render(request, reply, user, { values: outcome.values, errors: outcome.errors, flash: { kind: 'error', message: 'The token was not created: check the fields below.' } }));
    }
    const shown = await oneTimeResults.keep(actor, { kind: 'personal_access_token', ownerId: user.id, tokenId: outcome.pat.id, name: outcome.pat.name, token: outcome.token });
    session.setFlash(reply, { kind: 'success', message: `Token "${outcome.pat.name}" created.` });
    return reply.redirect(`${PROFILE_TOKENS_PATH}?shown=${encodeURIComponent(shown)}`, 303);
  });

  app.get<{ Params: { id: string } }>(`${PROFILE_TOKENS_PATH}/:id/revoke`, async (request, reply) => {
    const user = await session.requireUser(request, reply);
    if (!user) return reply;
    const pat = await pats.get(session.actor(request, user), user.id, request.params.id).catch(nullIfNotFound);
    if (!pat) {
      session.setFlash(reply, { kind: 'error', message: 'That token does not exist or was already revoked.' });
      return reply.redirect(PROFILE_TOKENS_PATH, 303);
    }
    const csrf = csrfToken(request, reply);
    const body = confirmCard({
      title: 'Revoke token',
      message: html`<p>Revoke the token <strong>${pat.name}</strong> (<code>${pat.prefix}…</code>)? Anything using it stops working at once.</p>`,
      action: `${PROFILE_TOKENS_PATH}/${pat.id}/revoke`,
      csrf,
      cancelHref: PROFILE_TOKENS_PATH,
    });
    return reply.type('text/html; charset=utf-8').send(renderPage({ title: 'Revoke token', user, csrfToken: csrf, active: 'profile', narrow: true, body }));
  });

  app.post<{ Params: { id: string } }>(`${PROFILE_TOKENS_PATH}/:id/revoke`, { preHandler: csrfCheck(app) }, async (request, reply) => {
    const user = await session.requireUser(request, reply);
    if (!user) return reply;
    const pat = await pats.revoke(session.actor(request, user), user.id, request.params.id).catch(nullIfNotFound);
    session.setFlash(reply, pat ? { kind: 'success', message: `Token "${pat.name}" revoked.` } : { kind: 'error', message: 'That token does not exist or was already revoked.' });
    return reply.redirect(PROFILE_TOKENS_PATH, 303);
  });
}
