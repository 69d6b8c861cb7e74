// Minimal typings for the benchmark's untyped devDependencies (only what bench/ uses).
declare module 'autocannon' {
  export interface Histogram {
    average: number;
    mean: number;
    p50: number;
    p90: number;
    p95?: number;
    p97_5: number;
    p99: number;
    max: number;
    total: number;
  }
  export interface RawRequest {
    method?: string;
    path?: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
  }
  export interface RequestSpec extends RawRequest {
    setupRequest?: (request: RawRequest, context: Record<string, unknown>) => RawRequest | null | undefined;
    onResponse?: (status: number, body: string, context: Record<string, unknown>, headers: Record<string, string>) => void;
  }
  export interface Options extends RawRequest {
    url: string;
    connections?: number;
    duration?: number;
    amount?: number;
    pipelining?: number;
    timeout?: number;
    requests?: RequestSpec[];
    excludeErrorStats?: boolean;
  }
  export interface Result {
    requests: Histogram;
    latency: Histogram;
    duration: number;
    errors: number;
    timeouts: number;
    non2xx: number;
    mismatches: number;
    statusCodeStats?: Record<string, { count: number }>;
  }
  export interface Instance extends Promise<Result> {
    stop(): void;
  }
  function autocannon(options: Options): Instance;
  export default autocannon;
}

declare module 'oidc-provider' {
  const Provider: new (issuer: string, configuration: Record<string, unknown>) => {
    callback(): (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void;
    proxy: boolean;
  };
  export default Provider;
}

declare module 'express' {
  import type { IncomingMessage, ServerResponse, Server } from 'node:http';
  type Handler = (req: IncomingMessage & { body?: unknown }, res: ServerResponse & { json(v: unknown): void; status(n: number): ServerResponse & { json(v: unknown): void } }, next: (err?: unknown) => void) => unknown;
  interface App {
    use(...handlers: unknown[]): App;
    get(path: string, ...handlers: Handler[]): App;
    post(path: string, ...handlers: Handler[]): App;
    disable(name: string): App;
    listen(port: number, host: string, cb: () => void): Server;
  }
  interface Express {
    (): App;
    urlencoded(options: { extended: boolean }): Handler;
  }
  const express: Express;
  export default express;
}
