/**
 * A console form whose CSRF token no longer holds (the page was open too long, the session was
 * renewed in another tab, the CSRF cookie was cleared) is not a dead end: a route that names an
 * `expiredForm` renderer shows its form again, with what was typed and a message, and acts on
 * nothing (403). Other routes keep the app's "This form has expired" page.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export const FORM_EXPIRED =
  'This form has expired (it was open too long, or you signed in again in another tab), so nothing was saved. Check what you entered and submit it again.';

/**
 * Shows the form again and returns true; or returns false without sending anything when it cannot
 * (no session, no permission, the object is gone), and the app's "This form has expired" page answers.
 */
export type ExpiredFormRenderer = (request: FastifyRequest, reply: FastifyReply) => Promise<boolean>;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Shows the route's form again (with the posted values and FORM_EXPIRED) when its CSRF check fails. */
    expiredForm?: ExpiredFormRenderer;
  }
}

export function isCsrfError(err: { code?: string }): boolean {
  return err.code === 'FST_CSRF_INVALID_TOKEN' || err.code === 'FST_CSRF_MISSING_SECRET';
}

/** Sets the scope's error handler: expired forms are shown again; anything else goes to the app's handler. */
export function showExpiredForms(scope: FastifyInstance): void {
  scope.setErrorHandler(async (err: FastifyError, request, reply) => {
    const render = request.routeOptions.config.expiredForm;
    // Thrown on: Fastify hands an error thrown here to the parent scope's handler.
    if (!isCsrfError(err) || render === undefined) throw err;
    reply.code(403).header('Cache-Control', 'no-store');
    if (!(await render(request, reply))) throw err;
    return reply;
  });
}
