/**
 * Scenario "gateway": the forward-auth decision next to what it is compared with, in one run with
 * the same load settings: `GET /gateway/check` and `GET /api/1.0/users/me` on Keygate, the bare
 * node:http server, Debian's nginx alone in front of that bare server, and nginx with
 * `auth_request` to Keygate in front of it (what a user deploys). The ratio of the last to nginx
 * alone is what protecting an API with Keygate costs. nginx runs from a temp prefix, one worker,
 * and is stopped by its pid; without /usr/sbin/nginx the nginx rows say so.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanRps, type Measurement } from '../lib/load.js';
import { startPeer } from '../lib/peers.js';
import { freePort } from '../lib/proc.js';
import { ratio } from '../lib/report.js';
import { recordAll, type BenchEntry, type BenchEnv } from './common.js';

const ME = '/api/1.0/users/me';
const NGINX = '/usr/sbin/nginx';

function nginxConfig(ports: { plain: number; guarded: number; upstream: number; keygate: number }): string {
  return `worker_processes 1;
daemon off;
pid nginx.pid;
error_log stderr warn;
events { worker_connections 4096; }
http {
  access_log off;
  # The load generator keeps its 32 connections for the whole run; nginx's default closes a client
  # connection after 1,000 requests, and a request sent as it closes counts as a socket error.
  keepalive_requests 10000000;
  keepalive_timeout 300s;
  client_body_temp_path tmp; proxy_temp_path tmp; fastcgi_temp_path tmp; uwsgi_temp_path tmp; scgi_temp_path tmp;
  upstream api { server 127.0.0.1:${ports.upstream}; keepalive 64; }
  upstream keygate { server 127.0.0.1:${ports.keygate}; keepalive 64; }
  server {
    listen 127.0.0.1:${ports.plain};
    location / { proxy_pass http://api; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
  server {
    listen 127.0.0.1:${ports.guarded};
    location = /_keygate_check {
      internal;
      proxy_pass http://keygate/gateway/check?scope=api;
      proxy_method GET;
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
    location / {
      auth_request /_keygate_check;
      auth_request_set $keygate_subject $upstream_http_x_keygate_subject;
      proxy_set_header X-Keygate-Subject $keygate_subject;
      proxy_pass http://api;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
`;
}

async function waitFor(url: string, headers: Record<string, string>): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, { headers });
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${url} did not answer 200 within 15 s`);
}

export async function scenarioGateway(env: BenchEnv): Promise<void> {
  const auth = { authorization: `Bearer ${env.accessToken}` };
  const rows = new Map<string, Measurement>();
  const entries: BenchEntry[] = [
    { scenario: 'gateway', system: 'Keygate /gateway/check', what: 'GET /gateway/check?scope=api, access token', target: { url: `${env.kg.base}/gateway/check?scope=api`, headers: auth, pid: env.kg.proc.pid } },
    { scenario: 'gateway', system: 'Keygate API', what: `GET ${ME}, access token`, target: { url: `${env.kg.base}${ME}`, headers: auth, pid: env.kg.proc.pid } },
  ];
  // Every row measured interleaved, nginx's too when it is there.
  const measureAll = async () => (await recordAll(env, entries)).forEach((m, i) => rows.set(entries[i]!.system, m));

  const bare = await startPeer('bare', env.seed.meJson);
  try {
    entries.push({ scenario: 'gateway', system: 'bare node:http', what: `GET ${ME} (same JSON)`, target: { url: `${bare.base}${ME}`, pid: bare.proc.pid } });
    if (!existsSync(NGINX)) {
      env.rows.push({ scenario: 'gateway', system: 'nginx', what: 'nginx rows', note: `${NGINX} is not installed (apt-get install nginx)` });
      await measureAll();
    } else {
      const ports = { plain: await freePort(), guarded: await freePort(), upstream: Number(new URL(bare.base).port), keygate: Number(new URL(env.kg.base).port) };
      const dir = mkdtempSync(join(tmpdir(), 'keygate-bench-nginx-'));
      mkdirSync(join(dir, 'tmp'));
      writeFileSync(join(dir, 'nginx.conf'), nginxConfig(ports));
      const nginx = spawn(NGINX, ['-p', `${dir}/`, '-c', 'nginx.conf', '-e', 'stderr'], { stdio: ['ignore', 'ignore', 'pipe'] });
      const exited = new Promise<void>((resolve) => nginx.once('exit', () => resolve()));
      try {
        await waitFor(`http://127.0.0.1:${ports.plain}${ME}`, {});
        await waitFor(`http://127.0.0.1:${ports.guarded}${ME}`, auth);
        entries.push(
          { scenario: 'gateway', system: 'nginx alone', what: `GET ${ME} through nginx to the bare server`, target: { url: `http://127.0.0.1:${ports.plain}${ME}` }, note: 'one nginx worker, keepalive upstream' },
          { scenario: 'gateway', system: 'nginx + Keygate', what: `GET ${ME} through nginx with auth_request to Keygate`, target: { url: `http://127.0.0.1:${ports.guarded}${ME}`, headers: auth }, note: 'one nginx worker; every request asks /gateway/check' },
        );
        await measureAll();
      } finally {
        if (nginx.exitCode === null && nginx.pid !== undefined) process.kill(nginx.pid, 'SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (nginx.exitCode === null && nginx.pid !== undefined) process.kill(nginx.pid, 'SIGKILL');
        rmSync(dir, { recursive: true, force: true });
      }
    }
  } finally {
    await bare.stop();
  }

  env.ratios.push(ratio('gateway', '/gateway/check vs GET /api/1.0/users/me (at least as fast)', cleanRps(rows.get('Keygate /gateway/check')), cleanRps(rows.get('Keygate API')), 1));
  env.ratios.push(ratio('gateway', 'nginx + Keygate auth_request vs nginx alone', cleanRps(rows.get('nginx + Keygate')), cleanRps(rows.get('nginx alone')), 0));
  env.configs['nginx (gateway scenario)'] = `Debian ${NGINX}, one worker, keepalive to the upstream and to Keygate; the auth_request location asks /gateway/check?scope=api with the request's token (bench/scenarios/gateway.ts).`;
}
