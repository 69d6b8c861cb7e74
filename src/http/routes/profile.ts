/**
 * "My API tokens" (/profile/tokens): the signed-in user's personal access tokens. Create (the
 * token is shown once, with a Copy button and the warning), list, and revoke after a confirmation.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { nullIfNotFound } from '../../services/errors.js';
import type { PatService } from '../../services/pats.js';
import type { User } from '../../store/user-store.js';
import { csrfCheck, csrfToken } from '../plugins/security.js';
import { confirmCard, pagination, type FormErrors } from '../views/components.js';
import { html, type HtmlValue } from '../views/html.js';
import { renderPage, type Flash } from '../views/layout.js';
import { defaultPatForm, patCreateForm, patReveal, patTable, submitPatForm, type PatConfig, type PatFormValues } from '../views/pats.js';

export const PROFILE_TOKENS_PATH = '/profile/tokens';
const PER_PAGE = 20;

function pageNumber(query: unknown): number {
  const n = Number((query as { page?: string } | null)?.page ?? 1);
  return Number.isInteger(n) && n >= 1 && n <= 100_000 ? n : 1;
}

export async function profileRoutes(app: FastifyInstance, { pats, config }: { pats: PatService; config: PatConfig }): Promise<void> {
  const session = app.consoleSession;

  const render = async (
    request: FastifyRequest,
    reply: FastifyReply,
    user: User,
    extra: { reveal?: string; values?: PatFormValues; errors?: FormErrors; flash?: Flash | null } = {},
  ): Promise<string> => {
    const page = pageNumber(request.query);
    const [{ data, total }, clients] = await Promise.all([pats.list(session.actor(request, user), user.id, { page, perPage: PER_PAGE }), pats.patClients()]);
    const csrf = csrfToken(request, reply);
    const body: HtmlValue = html`<div class="page-header"><h1>My API tokens</h1></div>
<p class="muted">Personal access tokens let a script or application call the API as you. Treat them like passwords.</p>
${extra.reveal ? patReveal(extra.reveal) : ''}
${patTable(data, { revokeBase: PROFILE_TOKENS_PATH })}
${pagination({ path: PROFILE_TOKENS_PATH, query: {}, page, perPage: PER_PAGE, total })}
${patCreateForm(config, { action: PROFILE_TOKENS_PATH, csrf, clients, values: extra.values ?? defaultPatForm(config), errors: extra.errors ?? {} })}`;
    return renderPage({ title: 'My API tokens', user, csrfToken: csrf, active: 'profile', flash: extra.flash ?? null, body });
  };

  app.get(PROFILE_TOKENS_PATH, async (request, reply) => {
    const user = await session.requireUser(request, reply);
    if (!user) return reply;
    const flash = session.takeFlash(request, reply);
    return reply.type('text/html; charset=utf-8').send(await render(request, reply, user, { flash }));
  });

  app.post(PROFILE_TOKENS_PATH, { preHandler: csrfCheck(app) }, async (request, reply) => {
    const user = await session.requireUser(request, reply);
    if (!user) return reply;
    const outcome = await submitPatForm(pats, config, request, session.actor(request, user), user.id);
    reply.header('Cache-Control', 'no-store').type('text/html; charset=utf-8');
    if (!outcome.ok) {
      reply.code(422);
      return reply.send(await render(request, reply, user, { values: outcome.values, errors: outcome.errors, flash: { kind: 'error', message: 'The token was not created: check the fields below.' } }));
    }
    return reply.send(await render(request, reply, user, { reveal: outcome.token, flash: { kind: 'success', message: `Token "${outcome.pat.name}" created.` } }));
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
