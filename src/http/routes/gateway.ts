/**
 * GET /gateway/check (every method answered the same): the forward-auth decision for a reverse
 * proxy in front of a team's API — nginx `auth_request`, Caddy `forward_auth`, Traefik
 * `ForwardAuth` (INTERFACE.md, "Gateway check"; docs/gateway.md). A thin adapter over the one
 * token check: no second cache, no second rule set, no store access of its own.
 *
 * It denies by default and answers only 200, 401 or 403 (nginx turns any other status of an
 * auth_request into a 500 for the caller), always with `Cache-Control: no-store` and no body.
 * It answers in the onRequest hook, so a request body is never read.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { bearerToken } from '../../api/auth.js';
import { isScopeSubset, parseScopeString } from '../../domain/scope.js';
import type { TokenPrincipal } from '../../domain/token.js';
import type { TokenCheck } from '../../oauth/token-check.js';

export const GATEWAY_PATH = '/gateway/check';

/** At most this many scopes and client ids per rule (a route's configuration, not user input). */
const MAX_LIST = 50;
const MAX_PARAM_LENGTH = 4096;

const REALM = 'Bearer realm="keygate"';
const INVALID_TOKEN = `${REALM}, error="invalid_token"`;

export type GatewayDecision =
  | { readonly status: 200; readonly principal: TokenPrincipal }
  | { readonly status: 401; readonly challenge: string }
  | { readonly status: 403; readonly required: string };

/** A single query parameter (a repeated one is refused as malformed). */
function single(query: unknown, name: string): string | undefined | null {
  const value = (query as Record<string, unknown> | null)?.[name];
  if (value === undefined) return undefined;
  return typeof value === 'string' && value.length <= MAX_PARAM_LENGTH ? value : null;
}

/** The rule of a route: the scopes a token must all hold, and the clients whose tokens pass (null: any). */
export function parseGatewayRule(query: unknown): { scopes: string[]; clientIds: string[] | null } | null {
  const scope = single(query, 'scope');
  const clients = single(query, 'client_id');
  if (scope === undefined || scope === null || clients === null) return null;
  const scopes = parseScopeString(scope);
  if (scopes === null || scopes.length === 0 || scopes.length > MAX_LIST) return null;
  // Left out or empty (a proxy configuration's unset variable): tokens of any client pass.
  const clientIds = (clients ?? '').split(',').map((c) => c.trim()).filter((c) => c.length > 0);
  if (clientIds.length === 0) return { scopes, clientIds: null };
  if (clientIds.length > MAX_LIST) return null;
  return { scopes, clientIds };
}

/** The decision for one request: the rule, then the token (the one token check), then the rule against the token. */
export async function decide(tokenCheck: Pick<TokenCheck, 'check'>, authorization: string | undefined, query: unknown): Promise<GatewayDecision> {
  const rule = parseGatewayRule(query);
  if (rule === null) return { status: 403, required: '' };
  const required = rule.scopes.join(' ');
  // No credentials, or another scheme: ask for a bearer token.
  if (authorization === undefined || !/^bearer(\s|$)/i.test(authorization)) return { status: 401, challenge: REALM };
  const token = bearerToken(authorization);
  if (token === null) return { status: 401, challenge: INVALID_TOKEN };
  const principal = await tokenCheck.check(token);
  // A refresh token is for the token endpoint only (RFC 6749 §1.5).
  if (principal === null || principal.kind === 'refresh_token') return { status: 401, challenge: INVALID_TOKEN };
  if (rule.clientIds !== null && !rule.clientIds.includes(principal.clientId)) return { status: 403, required };
  // The token must hold every required scope; `api` covers `api:read` only, never a custom scope.
  if (!isScopeSubset(rule.scopes, principal.scopes)) return { status: 403, required };
  return { status: 200, principal };
}

function answer(reply: FastifyReply, decision: GatewayDecision): FastifyReply {
  reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
  switch (decision.status) {
    case 200: {
      const p = decision.principal;
      return reply
        .code(200)
        .headers({
          'x-keygate-subject': p.userId ?? p.clientId,
          // Percent-encoded UTF-8: a raw non-ASCII name is not a valid header value.
          'x-keygate-user': p.username === null ? '' : encodeURIComponent(p.username),
          'x-keygate-client-id': p.clientId,
          'x-keygate-scope': p.scopes.join(' '),
          'x-keygate-token-kind': p.kind,
        })
        .send();
    }
    case 401:
      return reply.code(401).header('www-authenticate', decision.challenge).send();
    case 403:
      return reply.code(403).header('www-authenticate', `${REALM}, error="insufficient_scope", scope="${decision.required}"`).send();
  }
}

export async function gatewayRoutes(app: FastifyInstance, deps: { readonly tokenCheck: Pick<TokenCheck, 'check'> }): Promise<void> {
  const check = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    let decision: GatewayDecision;
    try {
      decision = await decide(deps.tokenCheck, request.headers.authorization, request.query);
    } catch (err) {
      // The store did not answer: deny (only 200, 401 and 403 are ever answered).
      request.log.error({ err }, 'gateway check failed');
      decision = { status: 403, required: '' };
    }
    return answer(reply, decision);
  };
  // GET is the documented form (the API reference lists it); every other method gets the same answer.
  for (const method of [['GET'], ['HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']]) {
    app.route({
      method,
      url: GATEWAY_PATH,
      exposeHeadRoute: false,
      // Answered before the body would be parsed: the body is never read.
      onRequest: check,
      handler: async (_request, reply) => reply,
    });
  }
}
