/** One REST API call with a bearer token over real HTTP: status, headers and the parsed JSON body. */
export interface ApiCall {
  readonly status: number;
  readonly headers: Headers;
  readonly body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export async function apiCall(baseUrl: string, method: string, path: string, token: string, body?: unknown): Promise<ApiCall> {
  const res = await fetch(`${baseUrl}/api/1.0${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
}
