/**
 * GET /device and its POST (RFC 8628 §3.3): a signed-in user enters the user code (prefilled from
 * verification_uri_complete), sees the consent page (Authorize / Deny) naming the application and
 * its scopes, and the answer goes to the waiting device. Wrong codes are throttled like passwords
 * (src/oauth/device-verification.ts); the POST is CSRF-protected.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { formatUserCode, normalizeUserCode } from '../../domain/device-code.js';
import { isScopeSubset } from '../../domain/scope.js';
import type { DeviceVerification } from '../../oauth/device-verification.js';
import type { ConsentService } from '../../services/consents.js';
import type { ScopeService } from '../../services/scopes.js';
import type { User } from '../../store/user-store.js';
import { formText } from '../form-fields.js';
import { csrfCheck, csrfToken } from '../plugins/security.js';
import { renderConsentPage } from '../views/consent.js';
import { DEVICE_CODE_INVALID, renderDeviceCodePage, renderDeviceDonePage } from '../views/device.js';

export interface DeviceRoutesDeps {
  readonly verification: DeviceVerification;
  /** Descriptions for the consent page. */
  readonly scopes: Pick<ScopeService, 'describe'>;
  /** What the user allowed this client before (scopes new to them are marked). */
  readonly consents: Pick<ConsentService, 'allowed'>;
}

function page(reply: FastifyReply): FastifyReply {
  return reply.header('Cache-Control', 'no-store').type('text/html; charset=utf-8');
}

export async function deviceRoutes(app: FastifyInstance, { verification, scopes, consents }: DeviceRoutesDeps): Promise<void> {
  const session = app.consoleSession;

  const codeForm = (request: FastifyRequest, reply: FastifyReply, user: User, userCode: string, error?: string) =>
    page(reply).send(renderDeviceCodePage({ user, csrfToken: csrfToken(request, reply), userCode, ...(error ? { error } : {}) }));

  app.get('/device', async (request, reply) => {
    const user = await session.requireUser(request, reply);
    if (!user) return reply;
    const query = request.query as Record<string, unknown>;
    return codeForm(request, reply, user, typeof query.user_code === 'string' ? query.user_code.slice(0, 32) : '');
  });

  app.post('/device', { preHandler: csrfCheck(app) }, async (request, reply) => {
    const user = await session.requireUser(request, reply);
    if (!user) return reply;
    const typed = formText(request.body, 'user_code');
    const found = await verification.lookup(user.id, request.ip, typed);
    if (found.kind === 'throttled') {
      reply.code(429).header('Retry-After', String(found.retryAfterSeconds));
      return codeForm(request, reply, user, typed, `Too many wrong codes. Try again in ${found.retryAfterSeconds} second${found.retryAfterSeconds === 1 ? '' : 's'}.`);
    }
    if (found.kind === 'invalid') return codeForm(request, reply.code(400), user, typed, DEVICE_CODE_INVALID);
    const decision = formText(request.body, 'decision');
    if (decision === 'authorize' || decision === 'deny') {
      const approved = decision === 'authorize';
      if (!(await verification.decide(user.id, found.code, approved))) return codeForm(request, reply.code(400), user, '', DEVICE_CODE_INVALID);
      request.log.info({ clientId: found.client.id, userId: user.id, approved }, 'device authorization answered');
      return page(reply).send(renderDeviceDonePage({ user, csrfToken: csrfToken(request, reply), clientName: found.client.name, approved }));
    }
    const before = await consents.allowed(user.id, found.client.id);
    const described = await scopes.describe(found.code.scopes);
    return page(reply).send(
      renderConsentPage({
        user,
        csrfToken: csrfToken(request, reply),
        clientName: found.client.name,
        redirectHost: '',
        scopes: described.map((s) => ({ name: s.name, description: s.description, isNew: !isScopeSubset([s.name], before) })),
        fields: { user_code: formatUserCode(normalizeUserCode(typed) ?? '') },
        action: '/device',
        askedBefore: before.length > 0,
        note: 'Only authorize if you started this sign-in on your own device and the code there matches the one you entered.',
      }),
    );
  });
}
