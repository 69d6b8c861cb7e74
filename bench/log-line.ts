/**
 * What one access-log line costs, outside any server (docs/performance.md, "The access log"):
 * the six fields the access hook logs, through pino, into
 *   1. a stream that drops the line (pino's own share: building the JSON);
 *   2. sonic-boom, asynchronous, batching by itself (`minLength` 4,096, `periodicFlush` 100 ms),
 *      as shipped until 2026-12-04;
 *   3. the shipped path: `LineBatch` (src/http/logger.ts) gathering the lines into batches of
 *      4,096 characters for an asynchronous sonic-boom.
 * The sonic-boom cases write to /dev/null. Lines go out in bursts of 32 with an event-loop turn
 * between, as a busy server logs them. Each case runs in a child process of its own, in
 * alternation; CPU time of the child (all threads) per line is printed.
 *
 *   npx tsx bench/log-line.ts [--lines 300000] [--repeat 3]
 */
import { execFileSync } from 'node:child_process';
import { openSync } from 'node:fs';
import { parseArgs } from 'node:util';
import pino, { type DestinationStream } from 'pino';
import { LineBatch } from '../src/http/logger.js';

const CASES = ['pino, line dropped', 'sonic-boom minLength', 'LineBatch + sonic-boom'] as const;
type Case = (typeof CASES)[number];

function destination(kind: Case): DestinationStream & { flushSync?(): void } {
  if (kind === 'pino, line dropped') return { write: () => undefined };
  const fd = openSync('/dev/null', 'w');
  if (kind === 'sonic-boom minLength') return pino.destination({ dest: fd, sync: false, minLength: 4096, periodicFlush: 100 });
  return new LineBatch(pino.destination({ dest: fd, sync: false }), 4096, 100);
}

async function child(kind: Case, lines: number): Promise<void> {
  const dest = destination(kind);
  const log = pino({ level: 'info' }, dest);
  const before = process.cpuUsage();
  let i = 0;
  await new Promise<void>((resolve) => {
    const burst = (): void => {
      for (let k = 0; k < 32 && i < lines; k++, i++) {
        log.info({ reqId: `req-${i.toString(36)}`, method: 'GET', route: '/api/1.0/users/me', path: '/api/1.0/users/me', status: 200, ms: 1.2 }, 'request');
      }
      if (i < lines) setImmediate(burst);
      else resolve();
    };
    burst();
  });
  dest.flushSync?.();
  const used = process.cpuUsage(before);
  process.stdout.write(JSON.stringify({ us: (used.user + used.system) / lines }));
}

const { values } = parseArgs({ options: { lines: { type: 'string', default: '300000' }, repeat: { type: 'string', default: '3' }, child: { type: 'string' } } });
const lines = Number(values.lines);
if (values.child !== undefined) {
  await child(values.child as Case, lines);
} else {
  const results = new Map<Case, number[]>(CASES.map((c) => [c, []]));
  for (let r = 0; r < Number(values.repeat); r++) {
    for (const kind of CASES) {
      const out = execFileSync(process.execPath, [...process.execArgv, process.argv[1]!, '--child', kind, '--lines', String(lines)], { encoding: 'utf8' });
      results.get(kind)!.push((JSON.parse(out) as { us: number }).us);
    }
  }
  for (const [kind, us] of results) console.log(`${kind.padEnd(24)} ${us.map((u) => u.toFixed(2)).join('  ')} µs per line (CPU, all threads)`);
}
