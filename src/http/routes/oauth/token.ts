/**
 * Thin adapters for POST /oauth/token, /oauth/revoke and /oauth/introspect: parse the body (form
 * or JSON; repeated parameters refused), call the protocol core, and write the response through a
 * response schema with `Cache-Control: no-store` and `Pragma: no-cache` — on errors too.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { InvalidRequestError, OAuthError, toTokenErrorResponse } from '../../../oauth/errors.js';
import { parseParams } from '../../../oauth/grant-handler.js';
import { handleDeviceAuthorizationRequest, type DeviceAuthorizationDeps } from '../../../oauth/device-authorization.js';
import { introspectToken } from '../../../oauth/introspection.js';
import { revokeToken } from '../../../oauth/revocation.js';
import { handleTokenRequest, type TokenEndpointDeps } from '../../../oauth/token-endpoint.js';
import type { Metrics } from '../../../metrics.js';
import type { TokenCheck } from '../../../oauth/token-check.js';
import type { RevocationDeps } from '../../../oauth/revocation.js';

const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' } as const;

const TokenErrorBody = Type.Object({ error: Type.String(), error_description: Type.Optional(Type.String()) });

const TokenResponseBody = Type.Object({
  access_token: Type.String(),
  token_type: Type.Literal('Bearer'),
  expires_in: Type.Optional(Type.Integer()),
  scope: Type.String(),
  refresh_token: Type.Optional(Type.String()),
});

const IntrospectionBody = Type.Object({
  active: Type.Boolean(),
  scope: Type.Optional(Type.String()),
  client_id: Type.Optional(Type.String()),
  username: Type.Optional(Type.String()),
  sub: Type.Optional(Type.String()),
  token_type: Type.Optional(Type.String()),
  kind: Type.Optional(Type.String()),
  exp: Type.Optional(Type.Integer()),
  iat: Type.Optional(Type.Integer()),
});

const DeviceAuthorizationBody = Type.Object({
  device_code: Type.String(),
  user_code: Type.String(),
  verification_uri: Type.String(),
  verification_uri_complete: Type.String(),
  expires_in: Type.Integer(),
  interval: Type.Integer(),
});

const ERRORS = { 400: TokenErrorBody, 401: TokenErrorBody, 429: TokenErrorBody, 500: TokenErrorBody };

function sendError(reply: FastifyReply, err: unknown): FastifyReply {
  const out = toTokenErrorResponse(err);
  return reply.code(out.status).headers(NO_STORE).headers(out.headers).send(out.body);
}

export interface TokenRoutesDeps {
  readonly deps: TokenEndpointDeps;
  readonly tokens: RevocationDeps['tokens'];
  readonly tokenCheck: Pick<TokenCheck, 'check'>;
  readonly issuer: string;
  readonly deviceCodes: DeviceAuthorizationDeps['deviceCodes'];
  readonly metrics: Pick<Metrics, 'tokenIssued'>;
}

export async function tokenRoutes(app: FastifyInstance, { deps, tokens, tokenCheck, issuer, deviceCodes, metrics }: TokenRoutesDeps): Promise<void> {
  // Body parsing, content type and size errors are the client's: RFC 6749 §5.2 invalid_request.
  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err instanceof OAuthError) {
      if (err.status >= 500) request.log.error({ err }, 'oauth error');
      else request.log.info({ error: err.code, url: request.url }, 'oauth request refused');
      return sendError(reply, err);
    }
    const status = typeof err.statusCode === 'number' ? err.statusCode : 500;
    if (err.validation || (status >= 400 && status < 500)) {
      return sendError(reply, new InvalidRequestError('The request body could not be read: send application/x-www-form-urlencoded or JSON.'));
    }
    request.log.error({ err }, 'oauth endpoint failed');
    return sendError(reply, err);
  });

  app.post('/oauth/token', { schema: { response: { 200: TokenResponseBody, ...ERRORS } } }, async (request, reply) => {
    const result = await handleTokenRequest(
      { params: parseParams(request.body), authorization: request.headers.authorization, ip: request.ip },
      deps,
    );
    request.log.debug({ clientId: result.clientId, grantType: result.grantType }, 'token issued');
    metrics.tokenIssued(result.grantType);
    return reply.headers(NO_STORE).send(result.response);
  });

  // RFC 8628 §3.1–3.2 (src/oauth/device-authorization.ts); errors as at the token endpoint.
  app.post('/oauth/device_authorization', { schema: { response: { 200: DeviceAuthorizationBody, ...ERRORS } } }, async (request, reply) => {
    const result = await handleDeviceAuthorizationRequest(
      { params: parseParams(request.body), authorization: request.headers.authorization },
      { clients: deps.clients, deviceCodes, scopes: deps.scopes, issuer, now: deps.now },
    );
    request.log.debug({ clientId: result.clientId }, 'device authorization started');
    return reply.headers(NO_STORE).send(result.response);
  });

  app.post('/oauth/revoke', { schema: { response: ERRORS } }, async (request, reply) => {
    await revokeToken({ params: parseParams(request.body), authorization: request.headers.authorization }, {
      clients: deps.clients,
      tokens,
      now: deps.now,
    });
    return reply.headers(NO_STORE).send();
  });

  app.post('/oauth/introspect', { schema: { response: { 200: IntrospectionBody, ...ERRORS } } }, async (request, reply) => {
    const answer = await introspectToken(
      { params: parseParams(request.body), authorization: request.headers.authorization },
      { clients: deps.clients, tokenCheck },
    );
    return reply.headers(NO_STORE).send(answer);
  });
}
