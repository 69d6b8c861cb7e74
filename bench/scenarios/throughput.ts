/**
 * Scenarios 1–4: protected API call, token issuance, introspection and the password grant, each
 * next to what it is compared with, measured in the same run with the same load settings.
 */
import { verify, hash } from '@node-rs/argon2';
import { ARGON2_CONCURRENCY, ARGON2_OPTIONS } from '../../src/domain/password.js';
import { startKeygate } from '../lib/keygate.js';
import { measure, type Measurement, type Target } from '../lib/load.js';
import { peerToken, startPeer, type PeerName } from '../lib/peers.js';
import { ratio } from '../lib/report.js';
import { clientBasic, FORM, passwordGrant, type BenchEnv } from './common.js';

const ME = '/api/1.0/users/me';

/** Another Keygate on the same database with `settings` changed, for one measurement. */
async function withKeygate<T>(env: BenchEnv, settings: Record<string, string>, use: (k: { base: string; proc: { pid: number } }) => Promise<T>): Promise<T> {
  const k = await startKeygate(env.kg.db, settings);
  try {
    return await use(k);
  } finally {
    await k.stop();
  }
}

async function record(env: BenchEnv, scenario: string, system: string, what: string, pid: number | undefined, target: Target, note?: string): Promise<Measurement> {
  env.log(`  ${scenario} ${system}: ${what}…`);
  const m = await measure({ ...target, pid }, env.settings);
  env.rows.push({ scenario, system, what, m, ...(note ? { note } : {}) });
  env.rps.set(`${scenario}/${system}/${what}`, m.rps);
  env.log(`    ${m.rps} req/s, p50 ${m.p50} ms, p99 ${m.p99} ms${m.non2xx + m.errors ? `, ${m.non2xx} non-2xx, ${m.errors} errors` : ''}`);
  return m;
}

function ok(m: Measurement | undefined): number | undefined {
  // A figure made of failures is no figure.
  return m && m.non2xx === 0 && m.errors === 0 ? m.rps : undefined;
}

/** The headers Keygate sends on the API call, but those node:http adds itself. */
async function keygateHeaders(env: BenchEnv): Promise<Record<string, string>> {
  const res = await fetch(`${env.kg.base}${ME}`, { headers: { authorization: `Bearer ${env.accessToken}` } });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`GET ${ME} answered ${res.status}`);
  const skip = new Set(['date', 'connection', 'keep-alive', 'content-length', 'content-type', 'transfer-encoding']);
  return Object.fromEntries([...res.headers].filter(([name]) => !skip.has(name)));
}

export async function scenarioApi(env: BenchEnv, only: (n: number) => boolean): Promise<void> {
  const want1 = only(1);
  const want2 = only(2);
  const want3 = only(3);
  const kg = env.kg.base;
  let bare: Measurement | undefined;
  let kgAt: Measurement | undefined;
  let kgPat: Measurement | undefined;
  let kgWarn: Measurement | undefined;
  let kgWorkers: Measurement | undefined;

  if (want1) {
    const peer = await startPeer('bare', env.seed.meJson);
    try {
      bare = await record(env, '1', 'bare node:http', `GET ${ME} (same JSON)`, peer.proc.pid, { url: `${peer.base}${ME}` });
    } finally {
      await peer.stop();
    }
    // The bare server and plain Fastify, each also sending the very headers Keygate sends: what
    // the headers alone cost, and the floor under Keygate's API call before any authentication.
    const headers = { BENCH_HEADERS: JSON.stringify(await keygateHeaders(env)) };
    const references: Array<[PeerName, string, Record<string, string>, string]> = [
      ['bare', 'bare node:http + Keygate\'s headers', headers, 'same JSON, same headers, reference'],
      ['fastify', 'Fastify, no plugins', {}, 'same JSON, reference'],
      ['fastify', 'Fastify, no plugins + Keygate\'s headers', headers, 'same JSON, same headers, reference'],
    ];
    for (const [name, system, extra, what] of references) {
      const peer = await startPeer(name, env.seed.meJson, extra);
      try {
        await record(env, '1', system, `GET ${ME} (${what})`, peer.proc.pid, { url: `${peer.base}${ME}` });
      } finally {
        await peer.stop();
      }
    }
    kgAt = await record(env, '1', 'Keygate', `GET ${ME}, access token`, env.kg.proc.pid, { url: `${kg}${ME}`, headers: { authorization: `Bearer ${env.accessToken}` } });
    kgPat = await record(env, '1', 'Keygate', `GET ${ME}, PAT`, env.kg.proc.pid, { url: `${kg}${ME}`, headers: { authorization: `Bearer ${env.pat}` } });
    // The same build with one setting changed: the access log off (LOG_LEVEL=warn), and two
    // worker processes (their CPU is not in the row: the pid measured would be the primary's).
    kgWarn = await withKeygate(env, { LOG_LEVEL: 'warn' }, (k) =>
      record(env, '1', 'Keygate, LOG_LEVEL=warn', `GET ${ME}, access token`, k.proc.pid, { url: `${k.base}${ME}`, headers: { authorization: `Bearer ${env.accessToken}` } }),
    );
    kgWorkers = await withKeygate(env, { KEYGATE_WORKERS: '2' }, (k) =>
      record(env, '1', 'Keygate, KEYGATE_WORKERS=2', `GET ${ME}, access token`, undefined, { url: `${k.base}${ME}`, headers: { authorization: `Bearer ${env.accessToken}` } }),
    );
  }

  let oidcCc: Measurement | undefined;
  let oidcIntro: Measurement | undefined;
  if (want1 || want2 || want3) {
    const oidc = await startPeer('oidc', env.seed.meJson);
    try {
      if (want2) {
        oidcCc = await record(env, '2', 'oidc-provider', 'client_credentials token', oidc.proc.pid, {
          url: `${oidc.base}/token`, method: 'POST', headers: { authorization: oidc.basic, 'content-type': FORM }, body: 'grant_type=client_credentials&scope=api',
        });
      }
      const token = await peerToken(oidc, '/token');
      oidcIntro = await record(env, '3', 'oidc-provider', 'introspection', oidc.proc.pid, {
        url: `${oidc.base}/token/introspection`, method: 'POST', headers: { authorization: oidc.basic, 'content-type': FORM }, body: `token=${token}`,
      });
    } finally {
      await oidc.stop();
    }
  }

  let o2sCc: Measurement | undefined;
  let o2sRes: Measurement | undefined;
  if (want1 || want2) {
    const o2s = await startPeer('oauth2-server', env.seed.meJson);
    try {
      if (want1) {
        const token = await peerToken(o2s, '/oauth/token');
        o2sRes = await record(env, '1', 'oauth2-server', `GET ${ME} behind authenticate()`, o2s.proc.pid, { url: `${o2s.base}${ME}`, headers: { authorization: `Bearer ${token}` } });
      }
      if (want2) {
        o2sCc = await record(env, '2', 'oauth2-server', 'client_credentials token', o2s.proc.pid, {
          url: `${o2s.base}/oauth/token`, method: 'POST', headers: { authorization: o2s.basic, 'content-type': FORM }, body: 'grant_type=client_credentials&scope=api',
        });
      }
    } finally {
      await o2s.stop();
    }
  }

  if (want1) {
    env.ratios.push(ratio('1', 'API call (access token) vs bare node:http', ok(kgAt), ok(bare), 0.6, 0.75));
    env.ratios.push(ratio('1', 'API call (PAT) vs bare node:http', ok(kgPat), ok(bare), 0.6, 0.75));
    env.ratios.push(ratio('1', 'API call as shipped (LOG_LEVEL=info) vs the same build at warn', ok(kgAt), ok(kgWarn), 0.85));
    env.ratios.push(ratio('1', 'API call, KEYGATE_WORKERS=2 vs one worker (load generator on the same cores)', ok(kgWorkers), ok(kgAt), 1.3));
    env.ratios.push(ratio('1', 'API call (access token) vs oidc-provider introspection', ok(kgAt), ok(oidcIntro), 1));
    env.ratios.push(ratio('1', 'API call (access token) vs oauth2-server protected resource', ok(kgAt), ok(o2sRes), 1));
  }

  const basic = clientBasic(env);
  if (want2) {
    let kgCc: Measurement | undefined;
    let kgRefresh: Measurement | undefined;
    if (env.tokenEndpoint) {
      kgCc = await record(env, '2', 'Keygate', 'client_credentials token', env.kg.proc.pid, {
        url: `${kg}/oauth/token`, method: 'POST', headers: { authorization: basic, 'content-type': FORM }, body: 'grant_type=client_credentials&scope=api',
      });
      kgRefresh = await refreshRotation(env, basic);
    } else {
      env.rows.push({ scenario: '2', system: 'Keygate', what: 'token issuance', note: 'POST /oauth/token not implemented in this build' });
    }
    env.ratios.push(ratio('2', 'client_credentials vs oidc-provider', ok(kgCc), ok(oidcCc), 2));
    env.ratios.push(ratio('2', 'refresh_token (rotation) vs oidc-provider client_credentials', ok(kgRefresh), ok(oidcCc), 1));
    env.ratios.push(ratio('2', 'client_credentials vs oauth2-server', ok(kgCc), ok(o2sCc), 2));
  }

  if (want3) {
    let kgIntro: Measurement | undefined;
    const probe = await fetch(`${kg}/oauth/introspect`, { method: 'POST', headers: { authorization: basic, 'content-type': FORM }, body: `token=${env.accessToken}` });
    const active = probe.status === 200 && ((await probe.json()) as { active?: boolean }).active === true;
    if (active) {
      kgIntro = await record(env, '3', 'Keygate', 'introspection (active access token)', env.kg.proc.pid, {
        url: `${kg}/oauth/introspect`, method: 'POST', headers: { authorization: basic, 'content-type': FORM }, body: `token=${env.accessToken}`,
      });
    } else {
      env.rows.push({ scenario: '3', system: 'Keygate', what: 'introspection', note: `POST /oauth/introspect not usable in this build (status ${probe.status})` });
    }
    env.ratios.push(ratio('3', 'introspection vs oidc-provider', ok(kgIntro), ok(oidcIntro), 2));
  }

  if (only(4)) await passwordScenario(env, basic);
}

/** refresh_token with rotation: every response hands back the next refresh token, so requests draw from a pool. */
async function refreshRotation(env: BenchEnv, basic: string): Promise<Measurement | undefined> {
  const pool: string[] = [];
  const fill = async (): Promise<void> => {
    while (pool.length < 3 * env.settings.connections) {
      const got = await passwordGrant(env);
      if (!got?.refresh) throw new Error('the password grant returned no refresh token');
      pool.push(got.refresh);
    }
  };
  try {
    await fill();
  } catch (err) {
    env.rows.push({ scenario: '2', system: 'Keygate', what: 'refresh_token with rotation', note: `not measured: ${(err as Error).message}` });
    return undefined;
  }
  return record(env, '2', 'Keygate', 'refresh_token with rotation', env.kg.proc.pid, {
    url: `${env.kg.base}/oauth/token`,
    method: 'POST',
    headers: { authorization: basic, 'content-type': FORM },
    beforeRound: fill,
    setupRequest: (req) => ({ ...req, body: `grant_type=refresh_token&refresh_token=${pool.pop() ?? 'none'}` }),
    onResponse: (status, body) => {
      if (status !== 200) return;
      const next = (JSON.parse(body) as { refresh_token?: string }).refresh_token;
      if (next) pool.push(next);
    },
  });
}

/** Raw argon2id verifications per second with Keygate's parameters, `inFlight` at a time, in this process. */
async function argon2Rate(env: BenchEnv, inFlight: number): Promise<{ rps: number; rounds: number[]; inFlight: number }> {
  const stored = await hash(env.seed.password, ARGON2_OPTIONS);
  const run = async (seconds: number): Promise<number> => {
    const end = Date.now() + seconds * 1000;
    let done = 0;
    const worker = async () => {
      while (Date.now() < end) {
        if (!(await verify(stored, env.seed.password))) throw new Error('argon2 verify failed');
        done++;
      }
    };
    const start = Date.now();
    await Promise.all(Array.from({ length: inFlight }, worker));
    return done / ((Date.now() - start) / 1000);
  };
  await run(env.settings.warmupS);
  const rounds: number[] = [];
  for (let i = 0; i < env.settings.rounds; i++) rounds.push(Math.round(await run(env.settings.durationS)));
  const sorted = [...rounds].sort((a, b) => a - b);
  return { rps: sorted[Math.floor(sorted.length / 2)]!, rounds, inFlight };
}

async function passwordScenario(env: BenchEnv, basic: string): Promise<void> {
  // The raw rate at its best: as many in flight as the load has connections (libuv's 4 threads
  // all busy), and one per core (as Keygate runs them); the higher is the figure to match.
  let raw: Awaited<ReturnType<typeof argon2Rate>> | undefined;
  for (const inFlight of [env.settings.connections, ARGON2_CONCURRENCY]) {
    env.log(`  4 raw argon2id verify rate, ${inFlight} in flight…`);
    const rate = await argon2Rate(env, inFlight);
    env.rows.push({
      scenario: '4',
      system: 'argon2id (raw)',
      what: `@node-rs/argon2 verify, m=${ARGON2_OPTIONS.memoryCost} KiB t=${ARGON2_OPTIONS.timeCost} p=${ARGON2_OPTIONS.parallelism}, ${inFlight} in flight`,
      figures: { 'verify/s': rate.rps, rounds: rate.rounds.join('/') },
    });
    env.log(`    ${rate.rps} verify/s`);
    if (!raw || rate.rps > raw.rps) raw = rate;
  }
  let grant: Measurement | undefined;
  if (env.tokenEndpoint && (await passwordGrant(env))) {
    const body = new URLSearchParams({ grant_type: 'password', username: env.seed.username, password: env.seed.password, scope: 'api' }).toString();
    grant = await record(env, '4', 'Keygate', 'password grant', env.kg.proc.pid, { url: `${env.kg.base}/oauth/token`, method: 'POST', headers: { authorization: basic, 'content-type': FORM }, body });
  } else {
    env.rows.push({ scenario: '4', system: 'Keygate', what: 'password grant', note: 'password grant not available in this build' });
  }
  env.ratios.push(ratio('4', `password grant vs raw argon2id verify (best: ${raw!.inFlight} in flight)`, ok(grant), raw!.rps, 0.85));
}
