/**
 * Scenarios 1–4: protected API call, token issuance, introspection and the password grant, each
 * next to what it is compared with, measured in the same run with the same load settings.
 */
import { verify, hash } from '@node-rs/argon2';
import { ARGON2_CONCURRENCY, ARGON2_OPTIONS } from '../../src/domain/password.js';
import { startKeygate } from '../lib/keygate.js';
import { cleanRps, type Measurement, type Target } from '../lib/load.js';
import { peerToken, startPeer, type PeerName } from '../lib/peers.js';
import { ratio } from '../lib/report.js';
import { clientBasic, FORM, passwordGrant, recordAll, type BenchEntry, type BenchEnv } from './common.js';

const ME = '/api/1.0/users/me';

async function record(env: BenchEnv, scenario: string, system: string, what: string, pid: number | undefined, target: Target, note?: string): Promise<Measurement> {
  return (await recordAll(env, [{ scenario, system, what, target: { ...target, pid }, ...(note ? { note } : {}) }]))[0]!;
}

/** The headers Keygate sends on the API call, but those node:http adds itself. */
async function keygateHeaders(env: BenchEnv): Promise<Record<string, string>> {
  const res = await fetch(`${env.kg.base}${ME}`, { headers: { authorization: `Bearer ${env.accessToken}` } });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`GET ${ME} answered ${res.status}`);
  const skip = new Set(['date', 'connection', 'keep-alive', 'content-length', 'content-type', 'transfer-encoding']);
  return Object.fromEntries([...res.headers].filter(([name]) => !skip.has(name)));
}

/** Every server the scenarios compare runs at once (idle ones cost nothing), so their rounds can alternate. */
export async function scenarioApi(env: BenchEnv, only: (n: number) => boolean): Promise<void> {
  const want1 = only(1);
  const want2 = only(2);
  const want3 = only(3);
  const kg = env.kg.base;
  const basic = clientBasic(env);
  const stops: Array<() => Promise<void>> = [];
  const group1: BenchEntry[] = [];
  const group2: BenchEntry[] = [];
  const at = (base: string) => ({ url: `${base}${ME}`, headers: { authorization: `Bearer ${env.accessToken}` } });
  const ccBody = 'grant_type=client_credentials&scope=api';
  try {
    if (want1) {
      // The bare server and plain Fastify, each also sending the very headers Keygate sends: what
      // the headers alone cost, and the floor under Keygate's API call before any authentication.
      const headers = { BENCH_HEADERS: JSON.stringify(await keygateHeaders(env)) };
      const references: Array<[PeerName, string, Record<string, string>, string]> = [
        ['bare', 'bare node:http', {}, 'same JSON'],
        ['bare', 'bare node:http + Keygate\'s headers', headers, 'same JSON, same headers, reference'],
        ['fastify', 'Fastify, no plugins', {}, 'same JSON, reference'],
        ['fastify', 'Fastify, no plugins + Keygate\'s headers', headers, 'same JSON, same headers, reference'],
      ];
      for (const [name, system, extra, what] of references) {
        const peer = await startPeer(name, env.seed.meJson, extra);
        stops.push(() => peer.stop());
        group1.push({ scenario: '1', system, what: `GET ${ME} (${what})`, target: { url: `${peer.base}${ME}`, pid: peer.proc.pid } });
      }
      group1.push({ scenario: '1', system: 'Keygate', what: `GET ${ME}, access token`, target: { ...at(kg), pid: env.kg.proc.pid } });
      group1.push({ scenario: '1', system: 'Keygate', what: `GET ${ME}, PAT`, target: { url: `${kg}${ME}`, headers: { authorization: `Bearer ${env.pat}` }, pid: env.kg.proc.pid } });
      // The same build with one setting changed: the access log off (LOG_LEVEL=warn), and two
      // worker processes (their CPU counted with the primary's).
      const warn = await startKeygate(env.kg.db, { LOG_LEVEL: 'warn' });
      stops.push(() => warn.stop());
      group1.push({ scenario: '1', system: 'Keygate, LOG_LEVEL=warn', what: `GET ${ME}, access token`, target: { ...at(warn.base), pid: warn.proc.pid } });
      const workers = await startKeygate(env.kg.db, { KEYGATE_WORKERS: '2' });
      stops.push(() => workers.stop());
      group1.push({ scenario: '1', system: 'Keygate, KEYGATE_WORKERS=2', what: `GET ${ME}, access token`, target: { ...at(workers.base), pid: workers.proc.pid, withChildren: true }, note: 'CPU: primary and both workers' });
    }
    if (want1 || want2 || want3) {
      const oidc = await startPeer('oidc', env.seed.meJson);
      stops.push(() => oidc.stop());
      const token = await peerToken(oidc, '/token');
      group1.push({ scenario: '3', system: 'oidc-provider', what: 'introspection', target: { url: `${oidc.base}/token/introspection`, method: 'POST', headers: { authorization: oidc.basic, 'content-type': FORM }, body: `token=${token}`, pid: oidc.proc.pid } });
      if (want2) group2.push({ scenario: '2', system: 'oidc-provider', what: 'client_credentials token', target: { url: `${oidc.base}/token`, method: 'POST', headers: { authorization: oidc.basic, 'content-type': FORM }, body: ccBody, pid: oidc.proc.pid } });
    }
    if (want1 || want2) {
      const o2s = await startPeer('oauth2-server', env.seed.meJson);
      stops.push(() => o2s.stop());
      if (want1) {
        const token = await peerToken(o2s, '/oauth/token');
        group1.push({ scenario: '1', system: 'oauth2-server', what: `GET ${ME} behind authenticate()`, target: { url: `${o2s.base}${ME}`, headers: { authorization: `Bearer ${token}` }, pid: o2s.proc.pid } });
      }
      if (want2) group2.push({ scenario: '2', system: 'oauth2-server', what: 'client_credentials token', target: { url: `${o2s.base}/oauth/token`, method: 'POST', headers: { authorization: o2s.basic, 'content-type': FORM }, body: ccBody, pid: o2s.proc.pid } });
    }
    if (want2) {
      if (env.tokenEndpoint) {
        group2.push({ scenario: '2', system: 'Keygate', what: 'client_credentials token', target: { url: `${kg}/oauth/token`, method: 'POST', headers: { authorization: basic, 'content-type': FORM }, body: ccBody, pid: env.kg.proc.pid } });
        const refresh = await refreshTarget(env, basic);
        if (refresh) group2.push({ scenario: '2', system: 'Keygate', what: 'refresh_token with rotation', target: refresh });
      } else {
        env.rows.push({ scenario: '2', system: 'Keygate', what: 'token issuance', note: 'POST /oauth/token not implemented in this build' });
      }
    }
    if (want3) {
      const probe = await fetch(`${kg}/oauth/introspect`, { method: 'POST', headers: { authorization: basic, 'content-type': FORM }, body: `token=${env.accessToken}` });
      const active = probe.status === 200 && ((await probe.json()) as { active?: boolean }).active === true;
      if (active) {
        group1.push({ scenario: '3', system: 'Keygate', what: 'introspection (active access token)', target: { url: `${kg}/oauth/introspect`, method: 'POST', headers: { authorization: basic, 'content-type': FORM }, body: `token=${env.accessToken}`, pid: env.kg.proc.pid } });
      } else {
        env.rows.push({ scenario: '3', system: 'Keygate', what: 'introspection', note: `POST /oauth/introspect not usable in this build (status ${probe.status})` });
      }
    }
    // Scenario 3's rows are measured with scenario 1's (the oidc-provider introspection is a
    // reference of both); only the rows asked for are kept.
    const rows1 = group1.filter((e) => (e.scenario === '1' && want1) || (e.scenario === '3' && (want3 || want1)));
    const m1 = await recordAll(env, rows1);
    const m2 = await recordAll(env, group2);
    const find = (ms: Measurement[], entries: BenchEntry[], system: string, what: string) => ms[entries.findIndex((e) => e.system === system && e.what.startsWith(what))];
    const get1 = (system: string, what: string) => find(m1, rows1, system, what);
    const get2 = (system: string, what: string) => find(m2, group2, system, what);

    const kgAt = get1('Keygate', `GET ${ME}, access token`);
    const oidcIntro = get1('oidc-provider', 'introspection');
    if (want1) {
      env.ratios.push(ratio('1', 'API call (access token) vs bare node:http', cleanRps(kgAt), cleanRps(get1('bare node:http', `GET ${ME} (same JSON)`)), 0.6, 0.75));
      env.ratios.push(ratio('1', 'API call (PAT) vs bare node:http', cleanRps(get1('Keygate', `GET ${ME}, PAT`)), cleanRps(get1('bare node:http', `GET ${ME} (same JSON)`)), 0.6, 0.75));
      env.ratios.push(ratio('1', 'API call as shipped (LOG_LEVEL=info) vs the same build at warn', cleanRps(kgAt), cleanRps(get1('Keygate, LOG_LEVEL=warn', `GET ${ME}`)), 0.85));
      env.ratios.push(ratio('1', 'API call, KEYGATE_WORKERS=2 vs one worker (load generator on the same cores)', cleanRps(get1('Keygate, KEYGATE_WORKERS=2', `GET ${ME}`)), cleanRps(kgAt), 1.3));
      env.ratios.push(ratio('1', 'API call (access token) vs oidc-provider introspection', cleanRps(kgAt), cleanRps(oidcIntro), 1));
      env.ratios.push(ratio('1', 'API call (access token) vs oauth2-server protected resource', cleanRps(kgAt), cleanRps(get1('oauth2-server', `GET ${ME}`)), 1));
    }
    if (want2) {
      const oidcCc = get2('oidc-provider', 'client_credentials');
      const kgCc = get2('Keygate', 'client_credentials');
      env.ratios.push(ratio('2', 'client_credentials vs oidc-provider', cleanRps(kgCc), cleanRps(oidcCc), 2));
      env.ratios.push(ratio('2', 'refresh_token (rotation) vs oidc-provider client_credentials', cleanRps(get2('Keygate', 'refresh_token')), cleanRps(oidcCc), 1));
      env.ratios.push(ratio('2', 'client_credentials vs oauth2-server', cleanRps(kgCc), cleanRps(get2('oauth2-server', 'client_credentials')), 2));
    }
    if (want3) env.ratios.push(ratio('3', 'introspection vs oidc-provider', cleanRps(get1('Keygate', 'introspection')), cleanRps(oidcIntro), 2));
  } finally {
    for (const stop of stops.reverse()) await stop();
  }

  if (only(4)) await passwordScenario(env, basic);
}

/** refresh_token with rotation: every response hands back the next refresh token, so requests draw from a pool. */
async function refreshTarget(env: BenchEnv, basic: string): Promise<Target | undefined> {
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
  return {
    url: `${env.kg.base}/oauth/token`,
    method: 'POST',
    headers: { authorization: basic, 'content-type': FORM },
    pid: env.kg.proc.pid,
    beforeRound: fill,
    setupRequest: (req) => ({ ...req, body: `grant_type=refresh_token&refresh_token=${pool.pop() ?? 'none'}` }),
    onResponse: (status, body) => {
      if (status !== 200) return;
      const next = (JSON.parse(body) as { refresh_token?: string }).refresh_token;
      if (next) pool.push(next);
    },
  };
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
  env.ratios.push(ratio('4', `password grant vs raw argon2id verify (best: ${raw!.inFlight} in flight)`, cleanRps(grant), raw!.rps, 0.85));
}
