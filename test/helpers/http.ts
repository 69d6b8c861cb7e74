/**
 * A small cookie-keeping HTTP client for console and API tests over real HTTP: it logs in through
 * the real login form (with its CSRF token) and keeps the session and CSRF cookies.
 */
export interface HttpResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  json<T = any>(): T; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export class WebClient {
  private readonly cookies = new Map<string, string>();

  constructor(readonly baseUrl: string) {}

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }

  private store(headers: Headers): void {
    for (const line of headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (value === '' || /max-age=0/i.test(line) || /expires=thu, 01 jan 1970/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  async request(method: string, path: string, init: { body?: string; headers?: Record<string, string> } = {}): Promise<HttpResponse> {
    const res = await fetch(this.baseUrl + path, {
      method,
      redirect: 'manual',
      headers: { ...(this.cookies.size ? { cookie: this.cookieHeader() } : {}), ...init.headers },
      ...(init.body !== undefined ? { body: init.body } : {}),
    });
    this.store(res.headers);
    const text = await res.text();
    return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) };
  }

  get(path: string, headers: Record<string, string> = {}): Promise<HttpResponse> {
    return this.request('GET', path, { headers });
  }

  /** POSTs a form; `fields` are URL-encoded. */
  postForm(path: string, fields: Record<string, string | string[]>, headers: Record<string, string> = {}): Promise<HttpResponse> {
    const body = new URLSearchParams();
    for (const [k, v] of Object.entries(fields)) for (const item of Array.isArray(v) ? v : [v]) body.append(k, item);
    return this.request('POST', path, { body: body.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers } });
  }

  json(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpResponse> {
    return this.request(method, path, {
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    });
  }

  /** The CSRF token of a page's first form (`name="_csrf"`), or of `<meta name="csrf-token">`. */
  static csrfFrom(html: string): string {
    const m = /name="_csrf" value="([^"]+)"/.exec(html) ?? /name="csrf-token" content="([^"]+)"/.exec(html);
    if (!m) throw new Error('no CSRF token on the page');
    return m[1]!;
  }

  /** Logs in through the form; returns the final response of the POST. */
  async login(username: string, password: string, next?: string): Promise<HttpResponse> {
    const page = await this.get(next ? `/login?next=${encodeURIComponent(next)}` : '/login');
    return this.postForm('/login', { _csrf: WebClient.csrfFrom(page.text), username, password, next: next ?? '' });
  }

  /** A CSRF token valid for this client's current session (for API calls made with the cookie). */
  async csrfToken(path = '/profile/tokens'): Promise<string> {
    const page = await this.get(path);
    return WebClient.csrfFrom(page.text);
  }
}
