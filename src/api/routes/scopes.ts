/**
 * The scope catalog at /api/1.0/scopes: any token that acts for a user may list and read it;
 * administrators create scopes, change their description (the name never changes) and delete
 * them (which strips them for good from every client, consent and token).
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { SCOPE_DESCRIPTION_MAX_LENGTH, SCOPE_NAME_MAX_LENGTH } from '../../domain/scope.js';
import type { ScopeService } from '../../services/scopes.js';
import type { ScopeRecord } from '../../store/scope-store.js';
import { actorOf } from '../auth.js';
import { ErrorMessage, ListOf, PROTECTED_ERRORS, ValidationError } from '../schemas.js';

export const ScopeView = Type.Object(
  {
    name: Type.String({ description: 'An RFC 6749 §3.3 scope-token of at most 64 characters, such as orders:read.' }),
    description: Type.String({ description: 'Shown to users on the consent page.' }),
    created_at: Type.String({ format: 'date-time' }),
  },
  { $id: 'Scope' },
);

// Lengths are checked by the service (422 with the documented messages), not by the schema.
const CreateScopeBody = Type.Object({ name: Type.Unknown({ description: `1–${SCOPE_NAME_MAX_LENGTH} characters; api and api:read are reserved` }), description: Type.Unknown({ description: `1–${SCOPE_DESCRIPTION_MAX_LENGTH} characters` }) }, { additionalProperties: false });
const UpdateScopeBody = Type.Object({ description: Type.Unknown({ description: `1–${SCOPE_DESCRIPTION_MAX_LENGTH} characters` }) }, { additionalProperties: false });
const ScopeParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }) });

export function toScopeView(scope: ScopeRecord): Static<typeof ScopeView> {
  return { name: scope.name, description: scope.description, created_at: scope.createdAt.toISOString() };
}

const tags = { tags: ['Scopes'], security: [{ bearerAuth: [] }] } as const;

export async function scopeRoutes(app: FastifyInstance, { scopes }: { scopes: ScopeService }): Promise<void> {
  app.get('/scopes', { schema: { ...tags, summary: 'The custom scope catalog (api and api:read are built in and not listed)', response: { 200: ListOf(ScopeView), ...PROTECTED_ERRORS } } }, async (request) => {
    const data = await scopes.list(actorOf(request));
    return { data: data.map(toScopeView), meta: { total: data.length, page: 1, per_page: Math.max(data.length, 1) } };
  });

  app.get<{ Params: Static<typeof ScopeParams> }>(
    '/scopes/:name',
    { schema: { ...tags, summary: 'Read a scope', params: ScopeParams, response: { 200: ScopeView, ...PROTECTED_ERRORS, 404: ErrorMessage } } },
    async (request) => toScopeView(await scopes.get(actorOf(request), request.params.name)),
  );

  app.post<{ Body: Static<typeof CreateScopeBody> }>(
    '/scopes',
    { schema: { ...tags, summary: 'Create a scope (administrators)', body: CreateScopeBody, response: { 201: ScopeView, ...PROTECTED_ERRORS, 422: ValidationError } } },
    async (request, reply) => reply.code(201).send(toScopeView(await scopes.create(actorOf(request), request.body))),
  );

  app.put<{ Params: Static<typeof ScopeParams>; Body: Static<typeof UpdateScopeBody> }>(
    '/scopes/:name',
    {
      schema: {
        ...tags,
        summary: "Change a scope's description (administrators; the name never changes)",
        params: ScopeParams,
        body: UpdateScopeBody,
        response: { 200: ScopeView, ...PROTECTED_ERRORS, 404: ErrorMessage, 422: ValidationError },
      },
    },
    async (request) => toScopeView(await scopes.updateDescription(actorOf(request), request.params.name, request.body)),
  );

  app.delete<{ Params: Static<typeof ScopeParams> }>(
    '/scopes/:name',
    {
      schema: {
        ...tags,
        summary: 'Delete a scope (administrators)',
        description: 'Strips the scope for good from every client, consent and token at once; a token left with no scope is revoked. Creating the name again revives nothing.',
        params: ScopeParams,
        response: { 204: Type.Null(), ...PROTECTED_ERRORS, 404: ErrorMessage },
      },
    },
    async (request, reply) => {
      await scopes.delete(actorOf(request), request.params.name);
      return reply.code(204).send();
    },
  );
}
