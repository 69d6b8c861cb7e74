/**
 * GET /oauth/authorize and the consent form's POST. Unknown client or redirect_uri: an error page,
 * never a redirect. No session: the login page, then back here. Trusted clients and remembered
 * consent skip the consent page. The consent page cannot be framed (helmet), its POST is
 * CSRF-protected, and its CSP lets the form's redirect reach the client's redirect_uri origin
 * (Chromium applies form-action to the redirect after a form POST).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ClientLookup } from '../../../oauth/client-cache.js';
import type { ConsentService } from '../../../services/consents.js';
import type { ScopeService } from '../../../services/scopes.js';
import type { ScopeCatalog } from '../../../oauth/scope-resolution.js';
import { isScopeSubset } from '../../../domain/scope.js';
import { AccessDeniedError } from '../../../oauth/errors.js';
import {
  AUTHORIZE_PARAMETERS,
  authorizationRedirect,
  checkAuthorizationRequest,
  errorRedirect,
  issueAuthorizationCode,
  type AuthorizationRequest,
} from '../../../oauth/authorize-request.js';
import type { CodeStore } from '../../../store/code-store.js';
import type { User } from '../../../store/user-store.js';
import { safeNextPath } from '../../plugins/session.js';
import { csrfCheck, csrfToken } from '../../plugins/security.js';
import { renderConsentPage, renderContinuePage } from '../../views/consent.js';
import { renderErrorPage } from '../../views/layout.js';

type Params = Record<string, unknown>;

/** The global CSP with form-action widened to the client's redirect origin (only on the consent page). */
function consentCsp(redirectUri: string): string {
  const url = new URL(redirectUri);
  const target = url.origin !== 'null' ? url.origin : url.protocol;
  return [
    "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "font-src 'self'",
    "connect-src 'self'", "object-src 'none'", "base-uri 'none'", `form-action 'self' ${target}`, "frame-ancestors 'none'",
  ].join('; ');
}

/** The request's own parameters, to carry through the consent form or the login page. */
function requestFields(params: Params): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of AUTHORIZE_PARAMETERS) {
    const value = params[name];
    if (typeof value === 'string' && value !== '') out[name] = value;
  }
  return out;
}

function loginRedirect(reply: FastifyReply, params: Params): FastifyReply {
  const authorizeUrl = `/oauth/authorize?${new URLSearchParams(requestFields(params)).toString()}`;
  return reply.redirect(`/login?next=${encodeURIComponent(safeNextPath(authorizeUrl) ?? '/')}`, 303);
}

export interface AuthorizeRoutesDeps {
  readonly clients: Pick<ClientLookup, 'findById'>;
  readonly codes: Pick<CodeStore, 'insert'>;
  readonly consents: ConsentService;
  /** Descriptions for the consent page. */
  readonly scopes: Pick<ScopeService, 'describe'>;
  /** Which custom scopes exist (the grants' scope rule). */
  readonly catalog: ScopeCatalog;
  readonly now: () => number;
  /** RFC 9207: sent as `iss` on every authorization response. */
  readonly issuer: string;
}

export async function authorizeRoutes(app: FastifyInstance, deps: AuthorizeRoutesDeps): Promise<void> {
  const session = app.consoleSession;
  /** Checks the request; answers the error cases itself and returns null then. */
  const check = async (request: FastifyRequest, reply: FastifyReply, params: Params, user: User | null): Promise<AuthorizationRequest | null> => {
    const result = await checkAuthorizationRequest(params, deps.clients, deps.catalog);
    if (result.kind === 'page-error') {
      reply.code(400).type('text/html; charset=utf-8');
      await reply.send(renderErrorPage(result.title, result.message, user, user ? csrfToken(request, reply) : undefined));
      return null;
    }
    if (result.kind === 'redirect-error') {
      await reply.redirect(errorRedirect(result.redirectUri, deps.issuer, result.error, result.state), 303);
      return null;
    }
    return result.request;
  };

  const approve = async (request: FastifyRequest, reply: FastifyReply, req: AuthorizationRequest, user: User, viaPage: boolean) => {
    const code = await issueAuthorizationCode(req, user.id, deps.codes, deps.now());
    const target = authorizationRedirect(req.redirectUri, deps.issuer, { code, state: req.state });
    request.log.info({ clientId: req.client.id, userId: user.id }, 'authorization code issued');
    // A same-origin navigation may come from our own form (the login page), whose CSP would block a
    // redirect to another origin: hand over through a page instead.
    if (!viaPage && request.headers['sec-fetch-site'] === 'same-origin') {
      return reply.header('Cache-Control', 'no-store').type('text/html; charset=utf-8').send(renderContinuePage(req.client.name, target));
    }
    return reply.header('Cache-Control', 'no-store').redirect(target, 303);
  };

  app.get('/oauth/authorize', async (request, reply) => {
    const params = request.query as Params;
    const user = await session.user(request);
    const req = await check(request, reply, params, user);
    if (!req) return reply;
    if (!user) return loginRedirect(reply, params);
    const before = req.client.trusted ? [] : await deps.consents.allowed(user.id, req.client.id);
    // A remembered consent counts only while the application asks for nothing more.
    if (req.client.trusted || isScopeSubset(req.scopes, before)) return approve(request, reply, req, user, false);
    const described = await deps.scopes.describe(req.scopes);
    const token = csrfToken(request, reply);
    return reply
      .header('Content-Security-Policy', consentCsp(req.redirectUri))
      .header('Cache-Control', 'no-store')
      .type('text/html; charset=utf-8')
      .send(
        renderConsentPage({
          user,
          csrfToken: token,
          clientName: req.client.name,
          redirectHost: new URL(req.redirectUri).host || req.redirectUri,
          scopes: described.map((s) => ({ name: s.name, description: s.description, isNew: !isScopeSubset([s.name], before) })),
          fields: requestFields(params),
          askedBefore: before.length > 0,
        }),
      );
  });

  app.post('/oauth/authorize', { preHandler: csrfCheck(app) }, async (request, reply) => {
    const params = (request.body ?? {}) as Params;
    const user = await session.user(request);
    const req = await check(request, reply, params, user);
    if (!req) return reply;
    if (!user) return loginRedirect(reply, params);
    if (params.decision !== 'authorize') {
      // RFC 6749 §4.1.2.1: "access_denied: The resource owner … denied the request."
      return reply.redirect(errorRedirect(req.redirectUri, deps.issuer, new AccessDeniedError(), req.state), 303);
    }
    await deps.consents.grant(session.actor(request, user), req.client.id, req.scopes);
    return approve(request, reply, req, user, true);
  });
}
