/**
 * GET/POST /login and POST /logout. A failed login always says "Invalid username or password."
 * (unknown user or wrong password, same words and same argon2 work). Failures are throttled per
 * (username, IP) and per IP with 429 + Retry-After; a full hash queue answers a readable 503 with
 * Retry-After; a success starts a brand-new session.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ConsoleLogin } from '../../oauth/console-login.js';
import { safeNextPath } from '../plugins/session.js';
import { SESSION_COOKIE, csrfCheck, csrfToken } from '../plugins/security.js';
import { html } from '../views/html.js';
import { renderPage, type Flash } from '../views/layout.js';

export const LOGIN_FAILED = 'Invalid username or password.';

interface LoginForm {
  readonly username: string;
  readonly next: string;
  readonly error?: string;
}

function loginPage(formToken: string, form: LoginForm, flash: Flash | null): string {
  return renderPage({
    title: 'Log in',
    narrow: true,
    flash,
    body: html`<section class="card">
  <h1>Log in to Keygate</h1>
  ${form.error ? html`<div class="flash flash-error" role="alert" id="login-error">${form.error}</div>` : ''}
  <form method="post" action="/login" novalidate>
    <input type="hidden" name="_csrf" value="${formToken}">
    <input type="hidden" name="next" value="${form.next}">
    <div class="field">
      <label for="username">Username</label>
      <input type="text" id="username" name="username" autocomplete="username" required autofocus value="${form.username}"${form.error ? html` aria-describedby="login-error"` : ''}>
    </div>
    <div class="field">
      <label for="password">Password</label>
      <input type="password" id="password" name="password" autocomplete="current-password" required>
    </div>
    <button type="submit" class="btn btn-primary">Log in</button>
  </form>
</section>`,
  });
}

/** Where a signed-in user lands by default. */
export function homePath(user: { administrator: boolean; permissions: readonly string[] }): string {
  return user.administrator || user.permissions.includes('view-auth_clients') ? '/admin/auth-clients' : '/profile/tokens';
}

function field(body: unknown, name: string): string {
  const value = (body as Record<string, unknown> | null)?.[name];
  return typeof value === 'string' ? value : '';
}

export async function loginRoutes(app: FastifyInstance, { consoleLogin }: { consoleLogin: ConsoleLogin }): Promise<void> {
  const session = app.consoleSession;
  app.get('/', async (request, reply) => {
    const user = await session.user(request);
    return reply.redirect(user ? homePath(user) : '/login', 303);
  });

  app.get('/login', async (request: FastifyRequest<{ Querystring: { next?: string } }>, reply) => {
    const next = safeNextPath(request.query.next) ?? '';
    const user = await session.user(request);
    if (user) return reply.redirect(next || homePath(user), 303);
    const token = csrfToken(request, reply);
    return reply.type('text/html; charset=utf-8').send(loginPage(token, { username: '', next }, session.takeFlash(request, reply)));
  });

  app.post('/login', { preHandler: csrfCheck(app) }, async (request: FastifyRequest, reply: FastifyReply) => {
    const username = field(request.body, 'username').slice(0, 255);
    const password = field(request.body, 'password');
    const next = safeNextPath(field(request.body, 'next')) ?? '';
    const outcome = await consoleLogin.login({ username, password, ip: request.ip, previousSessionId: request.cookies[SESSION_COOKIE] });
    if (outcome.kind === 'throttled') {
      reply.header('Retry-After', String(outcome.retryAfterSeconds)).code(429);
      const error = `Too many failed attempts. Try again in ${outcome.retryAfterSeconds} second${outcome.retryAfterSeconds === 1 ? '' : 's'}.`;
      return reply.type('text/html; charset=utf-8').send(loginPage(csrfToken(request, reply), { username, next, error }, null));
    }
    if (outcome.kind === 'unavailable') {
      // Nothing was checked (the hash queue is full, or Redis is down): a readable 503, the form kept.
      reply.header('Retry-After', String(outcome.retryAfterSeconds)).code(503);
      const wait = `Try again in ${outcome.retryAfterSeconds} second${outcome.retryAfterSeconds === 1 ? '' : 's'}.`;
      const error = outcome.reason === 'busy' ? `Keygate is busy checking other logins. ${wait}` : `Keygate cannot check sign-ins right now. ${wait}`;
      return reply.type('text/html; charset=utf-8').send(loginPage(csrfToken(request, reply), { username, next, error }, null));
    }
    if (outcome.kind === 'failed') {
      reply.code(401);
      return reply.type('text/html; charset=utf-8').send(loginPage(csrfToken(request, reply), { username, next, error: LOGIN_FAILED }, null));
    }
    session.setCookie(reply, outcome.sessionId);
    request.log.info({ userId: outcome.user.id }, 'login');
    return reply.redirect(next || homePath(outcome.user), 303);
  });

  app.post('/logout', { preHandler: csrfCheck(app) }, async (request, reply) => {
    await consoleLogin.logout(request.cookies[SESSION_COOKIE]);
    session.clearCookie(reply);
    session.setFlash(reply, { kind: 'info', message: 'You have been logged out.' });
    return reply.redirect('/login', 303);
  });
}
