/**
 * The protected REST API under /api/1.0: the guard on every route (deny by default; routes opt
 * out with `config: { public: true }`), one error handler that writes the documented formats,
 * and the route modules.
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import type { TokenCheck } from '../oauth/token-check.js';
import type { Services } from '../services/index.js';
import { ServiceError } from '../services/errors.js';
import { createApiGuard, type SessionUserLookup } from './auth.js';
import { ApiError, fromServiceError, type FieldErrors } from './errors.js';
import { auditRoutes } from './routes/audit.js';
import { authorizationRoutes } from './routes/authorizations.js';
import { clientRoutes } from './routes/clients.js';
import { patRoutes } from './routes/pats.js';
import { scopeRoutes } from './routes/scopes.js';
import { tokenRoutes } from './routes/tokens.js';
import { userRoutes } from './routes/users.js';

export interface ApiDeps {
  readonly tokenCheck: Pick<TokenCheck, 'check'>;
  readonly services: Services;
  readonly sessionUser: SessionUserLookup;
}

/** `per_page` → `Per page`, as field names appear in error messages. */
function fieldLabel(field: string): string {
  return field.charAt(0).toUpperCase() + field.slice(1).replace(/_/g, ' ');
}

/**
 * Turns Fastify/Ajv validation errors into `{field: [messages]}`. A value that fits none of a
 * union's branches gets one message naming what it may be ("must be null or string"), not one
 * per branch plus Ajv's "must match a schema in anyOf".
 */
export function fieldErrorsFromValidation(err: FastifyError): FieldErrors {
  const errors: FieldErrors = {};
  const all = err.validation ?? [];
  const unions = all.filter((v) => v.keyword === 'anyOf').map((v) => v.schemaPath.replace(/\/anyOf$/, '/anyOf/'));
  const inUnion = (schemaPath: string) => unions.find((u) => schemaPath.startsWith(u));
  for (const v of all) {
    if (inUnion(v.schemaPath)) continue;
    const path = (v.instancePath || '').replace(/^\//, '').replace(/\//g, '.');
    const missing = (v.params as { missingProperty?: string } | undefined)?.missingProperty;
    const field = missing ?? (path || (err.validationContext ?? 'body'));
    const label = fieldLabel(field);
    let message = missing ? `The ${label} field is required.` : `The ${label} field ${v.message ?? 'is invalid'}.`;
    if (v.keyword === 'anyOf') {
      const union = v.schemaPath.replace(/\/anyOf$/, '/anyOf/');
      const types = [...new Set(all.filter((b) => b.keyword === 'type' && b.schemaPath.startsWith(union)).map((b) => String((b.params as { type?: unknown }).type)))];
      if (types.length > 0) message = `The ${label} field must be ${types.join(' or ')}.`;
    }
    (errors[field] ??= []).push(message);
  }
  return errors;
}

/**
 * Fields that hold Infinity: Ajv's coercion turns `?page=1e309` into Infinity and its `maximum`
 * lets it through (JSON's 1e309 parses to Infinity as well), which no store can take.
 */
export function nonFiniteFields(...sources: unknown[]): FieldErrors {
  const errors: FieldErrors = {};
  for (const source of sources) {
    if (source === null || typeof source !== 'object') continue;
    for (const field in source) {
      const value = (source as Record<string, unknown>)[field];
      if (typeof value === 'number' && !Number.isFinite(value)) errors[field] = [`The ${fieldLabel(field)} field must be a finite number.`];
    }
  }
  return errors;
}

export async function apiPlugin(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  app.decorateRequest('principal', null);
  // Deny by default: every route gets the guard unless it says `config: { public: true }`,
  // decided once per route here rather than on every request.
  const guard = createApiGuard(app, deps.tokenCheck, deps.sessionUser);
  app.addHook('onRoute', (route) => {
    if (route.config?.public) return;
    const own = route.onRequest === undefined ? [] : Array.isArray(route.onRequest) ? route.onRequest : [route.onRequest];
    route.onRequest = [guard, ...own];
  });
  // Synchronous (no promise per request), like the check itself.
  app.addHook('preHandler', (request, _reply, done) => {
    const errors = nonFiniteFields(request.query, request.params, request.body);
    const first = Object.values(errors)[0]?.[0];
    done(first ? new ApiError(422, first, errors) : undefined);
  });

  app.setErrorHandler((thrown: FastifyError, request, reply) => {
    const err = thrown instanceof ServiceError ? fromServiceError(thrown) : thrown;
    if (err instanceof ApiError) {
      reply.headers(err.headers).code(err.statusCode);
      return reply.send(err.errors ? { message: err.message, errors: err.errors } : { message: err.message });
    }
    if (err.code === 'FST_CSRF_INVALID_TOKEN' || err.code === 'FST_CSRF_MISSING_SECRET') {
      return reply.code(403).send({ message: 'CSRF token mismatch.' });
    }
    if (err.validation) {
      const errors = fieldErrorsFromValidation(err);
      const first = Object.values(errors)[0]?.[0] ?? 'The given data was invalid.';
      return reply.code(422).send({ message: first, errors });
    }
    const status = typeof err.statusCode === 'number' ? err.statusCode : 500;
    if (status >= 400 && status < 500) {
      // Body parsing, content type, size: the client's mistake, said plainly.
      return reply.code(status).send({ message: status === 415 ? 'Unsupported Media Type.' : status === 413 ? 'Payload Too Large.' : 'Bad Request.' });
    }
    request.log.error({ err }, 'api error');
    return reply.code(500).send({ message: 'Server Error.' });
  });

  const { services } = deps;
  await app.register(userRoutes, { users: services.users });
  await app.register(patRoutes, { pats: services.pats });
  await app.register(tokenRoutes, { tokenHygiene: services.tokenHygiene });
  await app.register(clientRoutes, { clients: services.clients });
  await app.register(auditRoutes, { auditLog: services.auditLog });
  await app.register(authorizationRoutes, { authorizations: services.authorizations });
  await app.register(scopeRoutes, { scopes: services.scopes });
}
