// Runs node's test runner (through tsx) over every *.test.ts under the given folder.
// Node 20 neither expands globs nor finds .ts files itself, so the list is collected here.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = process.argv[2] ?? 'test';
const extra = process.argv.slice(3);

function collect(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...collect(path));
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

let files;
try {
  files = collect(root);
} catch {
  files = [];
}
const only = process.env.TEST_ONLY;
if (only) files = files.filter((f) => f.includes(only));
if (files.length === 0) {
  console.error(`run-tests: no test files found under ${root}/`);
  process.exit(1);
}

if (!process.env.TEST_DATABASE_URL) {
  console.log('# PostgreSQL: skipped (TEST_DATABASE_URL is not set); the suites run on SQLite only.');
}

const concurrency = process.env.TEST_CONCURRENCY ?? '3';
// A hung test fails after 5 minutes instead of holding the whole run; the full reliability sizes
// (KEYGATE_RELIABILITY_FULL=1: 50,000 fuzzed requests per store) need up to an hour.
const timeoutMs = process.env.KEYGATE_RELIABILITY_FULL === '1' ? 3_600_000 : 300_000;
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=tap', `--test-concurrency=${concurrency}`, `--test-timeout=${timeoutMs}`, ...extra, ...files],
  { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test' } },
);
process.exit(result.status ?? 1);
