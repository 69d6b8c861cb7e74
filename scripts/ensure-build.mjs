// Builds dist/ only when it is missing or older than what it is built from (src/ and the
// tsconfig files). It is `prepare`, `prestart` and `pretest`.
//
// `prepare` must not rebuild an up-to-date tree: npm 10 and 11 run it on every `npx keygate`
// inside the project (npx links the project into its cache as a `file:` dependency and runs its
// lifecycle scripts). An unconditional `tsc` there took 9 s per command and rewrote every file of
// dist/ in place, so a server or CLI loading dist/ at that moment could read a half-written
// module ("does not provide an export named …").
import { execSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function newest(dir) {
  let t = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    t = Math.max(t, entry.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

const sources = Math.max(newest('src'), ...['tsconfig.json', 'tsconfig.build.json'].map((f) => statSync(f).mtimeMs));
if (!existsSync('dist/main.js') || sources > statSync('dist/main.js').mtimeMs) {
  execSync('npm run build', { stdio: 'inherit' });
}
