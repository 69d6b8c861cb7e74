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
import { measure, type Measurement, type Target } from '../lib/load.js';
import { startPeer } from '../lib/peers.js';
import { freePort } from '../lib/proc.js';
import { ratio } from '../lib/report.js';
import type { BenchEnv } from './common.js';

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
  const record = async (system: string, what: string, target: Target, note?: string) => {
    env.log(`  gateway ${system}: ${what}…`);
    const m = await measure(target, env.settings);
    env.rows.push({ scenario: 'gateway', system, what, m, ...(note ? { note } : {}) });
    rows.set(system, m);
    env.log(`    ${m.rps} req/s, p50 ${m.p50} ms, p99 ${m.p99} ms${m.non2xx + m.errors ? `, ${m.non2xx} non-2xx, ${m.errors} errors` : ''}`);
  };
  const ok = (m: Measurement | undefined) => (m && m.non2xx === 0 && m.errors === 0 ? m.rps : undefined);

  await record('Keygate /gateway/check', 'GET /gateway/check?scope=api, access token', { url: `${env.kg.base}/gateway/check?scope=api`, headers: auth, pid: env.kg.proc.pid });
  await record('Keygate API', `GET ${ME}, access token`, { url: `${env.kg.base}${ME}`, headers: auth, pid: env.kg.proc.pid });

  const bare = await startPeer('bare', env.seed.meJson);
  try {
    await record('bare node:http', `GET ${ME} (same JSON)`, { url: `${bare.base}${ME}`, pid: bare.proc.pid });
    if (!existsSync(NGINX)) {
      env.rows.push({ scenario: 'gateway', system: 'nginx', what: 'nginx rows', note: `${NGINX} is not installed (apt-get install nginx)` });
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
        await record('nginx alone', `GET ${ME} through nginx to the bare server`, { url: `http://127.0.0.1:${ports.plain}${ME}` }, 'one nginx worker, keepalive upstream');
        await record('nginx + Keygate', `GET ${ME} through nginx with auth_request to Keygate`, { url: `http://127.0.0.1:${ports.guarded}${ME}`, headers: auth }, 'one nginx worker; every request asks /gateway/check');
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

  env.ratios.push(ratio('gateway', '/gateway/check vs GET /api/1.0/users/me (at least as fast)', ok(rows.get('Keygate /gateway/check')), ok(rows.get('Keygate API')), 1));
  env.ratios.push(ratio('gateway', 'nginx + Keygate auth_request vs nginx alone', ok(rows.get('nginx + Keygate')), ok(rows.get('nginx alone')), 0));
  env.configs['nginx (gateway scenario)'] = `Debian ${NGINX}, one worker, keepalive to the upstream and to Keygate; the auth_request location asks /gateway/check?scope=api with the request's token (bench/scenarios/gateway.ts).`;
}
