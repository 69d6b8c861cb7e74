/**
 * The hostile-input generator (fast-check arbitraries) and the answer checker for the fuzzer:
 * random and malformed bodies, wrong content types, 1 MB fields, deep JSON, invalid UTF-8,
 * duplicate parameters, huge headers. `checkAnswer` says what is wrong with an answer, or null.
 */
import fc from 'fast-check';
import type { RawRequest, RawResponse } from './index.js';

/** Every endpoint of INTERFACE.md; routes discovered in the running app are added to these. */
export const DOCUMENTED_ENDPOINTS: ReadonlyArray<readonly [string, string]> = [
  ['GET', '/oauth/authorize'], ['POST', '/oauth/authorize'], ['POST', '/oauth/token'], ['POST', '/oauth/revoke'], ['POST', '/oauth/introspect'],
  ['GET', '/login'], ['POST', '/login'], ['POST', '/logout'], ['GET', '/'],
  ['GET', '/admin/auth-clients'], ['GET', '/admin/tokens'], ['GET', '/profile/tokens'],
  ['GET', '/health'], ['GET', '/.well-known/oauth-authorization-server'], ['GET', '/api/docs'], ['GET', '/api/1.0/openapi.json'],
  ['GET', '/api/1.0/users/me'], ['GET', '/api/1.0/users'], ['POST', '/api/1.0/users'], ['GET', '/api/1.0/users/:id'], ['PUT', '/api/1.0/users/:id'], ['DELETE', '/api/1.0/users/:id'],
  ['GET', '/api/1.0/oauth/clients'], ['POST', '/api/1.0/oauth/clients'], ['GET', '/api/1.0/oauth/clients/:id'], ['PUT', '/api/1.0/oauth/clients/:id'],
  ['DELETE', '/api/1.0/oauth/clients/:id'], ['POST', '/api/1.0/oauth/clients/:id/secret'],
  ['GET', '/api/1.0/users/:id/tokens'], ['POST', '/api/1.0/users/:id/tokens'], ['GET', '/api/1.0/users/:id/tokens/:tokenId'], ['DELETE', '/api/1.0/users/:id/tokens/:tokenId'],
  ['GET', '/api/1.0/tokens'], ['POST', '/api/1.0/tokens/revoke'], ['GET', '/api/1.0/audit'],
];

export const PARAM_NAMES = [
  'grant_type', 'client_id', 'client_secret', 'code', 'redirect_uri', 'code_verifier', 'code_challenge', 'code_challenge_method',
  'refresh_token', 'username', 'password', 'scope', 'token', 'token_type_hint', 'response_type', 'state', 'name', 'types',
  'redirect', 'confidential', 'trusted', '_csrf', 'next', 'page', 'per_page', 'filter', 'order_by', 'expires_at', 'scopes',
  'administrator', 'permissions', 'client', 'user', 'kind', 'older_than_days', 'unused_days', 'type', 'decision', '__proto__', 'constructor',
];

export interface FuzzKnowns {
  /** Real values that get the fuzzer past the first checks: client ids and secrets, tokens, names. */
  readonly values: string[];
  readonly ids: string[];
  readonly bearer: string;
  readonly basic: string;
  readonly cookie: () => string;
  readonly csrf: () => string;
}

export interface FuzzCase {
  readonly label: string;
  readonly request: RawRequest;
  /** The HTTP layer itself may refuse this one (431, or 400 for an unparseable request line/headers). */
  readonly parserMayRefuse: boolean;
  /** The route template the case aimed at, with its method: "POST /oauth/token". */
  readonly template: string;
}

const ONE_MB = 1024 * 1024;

const nastyStrings = fc.constantFrom(
  '', ' ', '\u0000', '%00', '../../../../etc/passwd', "' OR '1'='1", '"; DROP TABLE clients; --', '<script>alert(1)</script>',
  '${jndi:ldap://x}', '{{7*7}}', '\u202e', '\ud800', '😀'.repeat(50), 'A'.repeat(10_000), '-1', '0', '1e309', 'NaN', 'null', 'true', '[]', '{}',
  'S256', 'plain', 'api', 'api:read', 'api api:read admin', 'authorization_code', 'password', 'refresh_token', 'client_credentials',
  'code', 'token', 'access_token', 'http://127.0.0.1/cb', 'https://evil.example/', 'kg_at_x', 'kg_rt_', 'kg_pat_' + 'a'.repeat(49),
);

function scalar(knowns: FuzzKnowns): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
    { weight: 2, arbitrary: nastyStrings },
    { weight: 3, arbitrary: fc.constantFrom(...knowns.values) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
    { weight: 1, arbitrary: fc.integer().map(String) },
  );
}

function pathArb(template: string, knowns: FuzzKnowns): fc.Arbitrary<string> {
  const segments = template.split('/');
  const parts = segments.map((seg) =>
    seg.startsWith(':')
      ? fc.oneof(
          fc.constantFrom(...knowns.ids),
          fc.uuid(),
          fc.string({ maxLength: 30 }).map(encodeURIComponent),
          fc.constantFrom('..%2F..%2Fetc', '%C3%28', '%ff%fe', '%00', 'x'.repeat(300), '%E2%80%AE', '1%20OR%201%3D1'),
        )
      : fc.constant(seg),
  );
  return fc.tuple(...parts).map((p) => p.join('/'));
}

function queryArb(knowns: FuzzKnowns): fc.Arbitrary<string> {
  const pair = fc.tuple(fc.oneof(fc.constantFrom(...PARAM_NAMES), fc.string({ maxLength: 10 })), scalar(knowns));
  return fc.oneof(
    { weight: 4, arbitrary: fc.constant('') },
    { weight: 4, arbitrary: fc.array(pair, { maxLength: 8 }).map((pairs) => (pairs.length ? '?' + new URLSearchParams(pairs).toString() : '')) },
    { weight: 1, arbitrary: fc.constantFrom('?response_type=code&response_type=code', '?a=%ff%fe%C3%28', '?page=-1&per_page=100000000', '?page[]=1&filter[a]=b', '?=&&==', '?%') },
  );
}

type Body = { body?: Buffer; contentType?: string; label: string };

function bodyArb(knowns: FuzzKnowns): fc.Arbitrary<Body> {
  const dict = fc.dictionary(fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...PARAM_NAMES) }, { weight: 1, arbitrary: fc.string({ maxLength: 12 }) }), scalar(knowns), { maxKeys: 10 });
  const jsonDict = fc.dictionary(fc.constantFrom(...PARAM_NAMES), fc.oneof(scalar(knowns), fc.jsonValue({ maxDepth: 3 }), fc.array(scalar(knowns), { maxLength: 4 })), { maxKeys: 8 });
  const withCsrf = (o: Record<string, unknown>, add: boolean): Record<string, unknown> => (add ? { ...o, _csrf: knowns.csrf() } : o);
  return fc.oneof(
    { weight: 6, arbitrary: fc.tuple(dict, fc.boolean()).map(([d, c]) => ({ label: 'form', contentType: 'application/x-www-form-urlencoded', body: Buffer.from(new URLSearchParams(withCsrf(d, c) as Record<string, string>).toString()) })) },
    { weight: 6, arbitrary: jsonDict.map((d) => ({ label: 'json', contentType: 'application/json', body: Buffer.from(JSON.stringify(d)) })) },
    { weight: 2, arbitrary: fc.jsonValue().map((v) => ({ label: 'json-any', contentType: 'application/json', body: Buffer.from(JSON.stringify(v) ?? 'null') })) },
    { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 50_000 }).map((n) => ({ label: 'deep-json', contentType: 'application/json', body: Buffer.from('['.repeat(n) + ']'.repeat(n)) })) },
    { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 20_000 }).map((n) => ({ label: 'deep-json-object', contentType: 'application/json', body: Buffer.from('{"a":'.repeat(n) + '1' + '}'.repeat(n)) })) },
    { weight: 1, arbitrary: fc.constantFrom(ONE_MB - 300, ONE_MB + 10).map((n) => ({ label: `field-${n}`, contentType: 'application/x-www-form-urlencoded', body: Buffer.from(`grant_type=password&username=${'u'.repeat(n)}&name=x`) })) },
    { weight: 1, arbitrary: fc.constant({ label: 'json-1mb', contentType: 'application/json', body: Buffer.from(JSON.stringify({ name: 'n'.repeat(ONE_MB - 100), types: ['client_credentials_grant'] })) }) },
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom('application/json', 'application/x-www-form-urlencoded'), fc.uint8Array({ minLength: 1, maxLength: 200 })).map(([ct, bytes]) => ({ label: 'invalid-utf8', contentType: ct, body: Buffer.concat([Buffer.from(ct.includes('json') ? '{"name":"' : 'name='), Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from(bytes), Buffer.from(ct.includes('json') ? '"}' : '')]) })) },
    { weight: 2, arbitrary: fc.constantFrom(
      'grant_type=client_credentials&grant_type=password', 'client_id=a&client_id=b&client_secret=x', 'token=a&token=b', 'username=admin&username=root&password=x&password=y',
      'redirect_uri=http://127.0.0.1/cb&redirect_uri=https://evil.example', 'types=password_client&types=personal_access_client&name=dup',
    ).map((s) => ({ label: 'duplicate-params', contentType: 'application/x-www-form-urlencoded', body: Buffer.from(s) })) },
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom('text/plain', 'application/xml', 'multipart/form-data; boundary=x', 'application/json; charset=utf-16', 'application/octet-stream', 'application/x-www-form-urlencoded; charset=latin1', 'application/json, text/plain', ';;;', 'application/merge-patch+json'), fc.uint8Array({ maxLength: 300 })).map(([ct, b]) => ({ label: 'wrong-type', contentType: ct, body: Buffer.from(b) })) },
    { weight: 1, arbitrary: fc.constantFrom('{"a":', '{"name":1,}', '\u0000', '{"__proto__":{"admin":true}}', '{"constructor":{"prototype":{"x":1}}}', '[1,2', 'a=%zz&b=%', '%E0%A4%A').map((s) => ({ label: 'truncated', contentType: s.startsWith('{') || s.startsWith('[') ? 'application/json' : 'application/x-www-form-urlencoded', body: Buffer.from(s) })) },
    { weight: 2, arbitrary: fc.constant({ label: 'empty' }) },
  );
}

type Pairs = Array<[string, string]>;

function authArb(knowns: FuzzKnowns): fc.Arbitrary<Pairs> {
  return fc.oneof(
    fc.constant<Pairs>([]),
    fc.constant([]).map(() => [['authorization', `Bearer ${knowns.bearer}`]] as Array<[string, string]>),
    fc.constant([]).map(() => [['cookie', knowns.cookie()], ['x-csrf-token', knowns.csrf()]] as Array<[string, string]>),
    fc.constant([]).map(() => [['cookie', knowns.cookie()]] as Array<[string, string]>),
    fc.constant([]).map(() => [['authorization', knowns.basic]] as Array<[string, string]>),
    fc.tuple(fc.constantFrom('Bearer ', 'Basic ', 'bearer  ', 'Digest ', '', 'Basic Og==', 'Basic ' + Buffer.from('a:b:c').toString('base64')), scalar(knowns)).map(([s, v]) => [['authorization', (s + v).replace(/[^\t\x20-\x7e]/g, '?')]] as Array<[string, string]>),
  );
}

function extraHeadersArb(): fc.Arbitrary<{ headers: Array<[string, string]>; parser: boolean; label?: string }> {
  return fc.oneof(
    { weight: 12, arbitrary: fc.constant<{ headers: Pairs; parser: boolean; label?: string }>({ headers: [], parser: false }) },
    { weight: 1, arbitrary: fc.integer({ min: 17_000, max: 80_000 }).map((n) => ({ headers: [['x-huge', 'h'.repeat(n)]] as Array<[string, string]>, parser: true, label: 'huge-header' })) },
    { weight: 1, arbitrary: fc.constant({ headers: Array.from({ length: 150 }, (_, i) => [`x-many-${i}`, 'v'.repeat(90)] as [string, string]), parser: true, label: 'many-headers' }) },
    { weight: 1, arbitrary: fc.constant({ headers: [['content-type', 'application/json'], ['content-type', 'application/x-www-form-urlencoded']] as Array<[string, string]>, parser: true, label: 'duplicate-content-type' }) },
    { weight: 1, arbitrary: fc.constant({ headers: [['authorization', 'Bearer a'], ['authorization', 'Basic b']] as Array<[string, string]>, parser: true, label: 'duplicate-authorization' }) },
    { weight: 1, arbitrary: fc.constant({ headers: [['cookie', 'kg_session=' + 'x'.repeat(5000) + '; kg_csrf=%ff%fe; kg_flash=s%3A{bad']] as Array<[string, string]>, parser: false, label: 'bad-cookies' }) },
    { weight: 1, arbitrary: fc.constant({ headers: [['x-forwarded-for', '1.2.3.4, 5.6.7.8'], ['host', 'evil.example']] as Array<[string, string]>, parser: false, label: 'spoofed-host' }) },
  );
}

export function caseArb(endpoints: ReadonlyArray<readonly [string, string]>, knowns: FuzzKnowns): fc.Arbitrary<FuzzCase> {
  return fc
    .tuple(fc.constantFrom(...endpoints), fc.oneof({ weight: 9, arbitrary: fc.constant<string | null>(null) }, { weight: 1, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD') }))
    .chain(([[method, template], otherMethod]) =>
      fc.record({
        path: pathArb(template, knowns),
        query: queryArb(knowns),
        body: bodyArb(knowns),
        auth: authArb(knowns),
        extra: extraHeadersArb(),
      }).map(({ path, query, body, auth, extra }): FuzzCase => {
        const m = otherMethod ?? method;
        const sendsBody = m !== 'GET' && m !== 'HEAD' && body.body !== undefined;
        const headers: Array<[string, string]> = [...auth, ...extra.headers];
        if (sendsBody && body.contentType && !extra.headers.some(([k]) => k === 'content-type')) headers.push(['content-type', body.contentType]);
        return {
          label: `${m} ${template} ${sendsBody ? body.label : 'no-body'}${extra.label ? ' ' + extra.label : ''}`,
          request: { method: m, path: path + query, headers, ...(sendsBody ? { body: body.body } : {}) },
          parserMayRefuse: extra.parser,
          template: `${m} ${template}`,
        };
      }),
    );
}

const OAUTH_CLIENT_ENDPOINTS = new Set(['/oauth/token', '/oauth/revoke', '/oauth/introspect', '/oauth/device_authorization']);
const RFC6749_ERRORS = new Set(['invalid_request', 'invalid_client', 'invalid_grant', 'unauthorized_client', 'unsupported_grant_type', 'invalid_scope', 'unsupported_token_type', 'server_error', 'temporarily_unavailable', 'access_denied', 'slow_down']);
const JSON_PATHS = /^\/(api\/(?!docs\b)|oauth\/(token|revoke|introspect|device_authorization)\b|\.well-known\/|health\b|metrics\b)/;

function parseJson(res: RawResponse): unknown {
  try {
    return JSON.parse(res.text());
  } catch {
    return undefined;
  }
}

/** What is wrong with this answer, or null when it is in the documented format. */
export function checkAnswer(c: FuzzCase, res: RawResponse, registered: ReadonlySet<string>): string | null {
  if (res.status >= 500) return `server error ${res.status}: ${res.text().slice(0, 300)}`;
  // Node's HTTP parser (before any route) refuses oversized or contradictory header sections; a
  // 431 always comes from it (a long URL counts against the same limit), never from a route.
  if (res.status === 431 || (c.parserMayRefuse && res.status === 400)) return null;
  const method = c.request.method ?? 'GET';
  const path = c.request.path.split('?')[0]!;
  const routed = registered.has(c.template);
  const type = String(res.headers['content-type'] ?? '');
  if (method === 'HEAD' || res.status === 204 || res.status === 304) return null;
  if (res.status >= 300 && res.status < 400) {
    const location = String(res.headers.location ?? '');
    if (!location) return `redirect without Location`;
    if (!path.startsWith('/oauth/authorize') && new URL(location, 'http://keygate.invalid').origin !== 'http://keygate.invalid') return `off-site redirect to ${location}`;
    return null;
  }
  // RFC 7009 §2.2: a revocation (also of an unknown token) is a 200 whose body the client ignores.
  if (path === '/oauth/revoke' && res.status === 200 && res.body.length === 0) return null;
  // The gateway check answers only 200, 401 or 403, with no content (a proxy turns anything else
  // into a 500 for its caller).
  if (path === '/gateway/check') {
    if (![200, 401, 403].includes(res.status)) return `gateway check answered ${res.status}`;
    return res.body.length === 0 ? null : 'gateway check answered with content';
  }
  // GET /metrics answers Prometheus's text format; its errors are JSON like the rest.
  if (path === '/metrics' && res.status === 200 && type.startsWith('text/plain')) return null;
  if (JSON_PATHS.test(path)) {
    if (!type.startsWith('application/json')) return `expected JSON, got "${type}" (${res.status})`;
    const body = parseJson(res) as Record<string, unknown> | undefined;
    if (body === undefined) return 'unparseable JSON';
    if (res.status < 400) return null;
    // A method the endpoint does not serve may answer in either JSON form (the root handler speaks
    // RFC 6749 for every /oauth/* URL); a served one must use RFC 6749.
    if (OAUTH_CLIENT_ENDPOINTS.has(path) && (routed || typeof body.error === 'string')) {
      if (typeof body.error !== 'string' || !RFC6749_ERRORS.has(body.error)) return `not an RFC 6749 error body: ${res.text().slice(0, 200)}`;
      if (body.error_description !== undefined && typeof body.error_description !== 'string') return 'error_description is not a string';
      return null;
    }
    if (typeof body.message !== 'string') return `no "message": ${res.text().slice(0, 200)}`;
    if (res.status === 422 && (typeof body.errors !== 'object' || body.errors === null || !Object.values(body.errors).every((v) => Array.isArray(v) && v.every((m) => typeof m === 'string')))) {
      return `422 without {field: [messages]}: ${res.text().slice(0, 200)}`;
    }
    if (res.status === 401 && path.startsWith('/api/') && !String(res.headers['www-authenticate'] ?? '').startsWith('Bearer')) return '401 without WWW-Authenticate: Bearer';
    return null;
  }
  // An endpoint of INTERFACE.md that this build does not serve yet: the JSON 404 of /oauth/*.
  if (!routed && path.startsWith('/oauth/') && [400, 404, 413, 415, 429].includes(res.status) && type.startsWith('application/json')) return null;
  // Fastify's router refuses a malformed percent-encoding (400) or an over-long path parameter
  // (414) before any route or error handler runs, with its own JSON body. A known deviation on
  // console pages (see docs/security.md, T1), accepted here so that anything else stands out.
  if ((res.status === 400 || res.status === 414) && type.startsWith('application/json') && /"statusCode":(400|414)/.test(res.text())) return null;
  if (path.startsWith('/api/docs')) return null;
  // Pages (login, console, consent): a readable HTML page.
  if (res.status >= 400 && !type.startsWith('text/html')) return `page error is not HTML: "${type}" ${res.status}`;
  if (res.status >= 400 && !/<h1|<title/i.test(res.text())) return 'page error without a title';
  return null;
}
