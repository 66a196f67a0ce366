#!/usr/bin/env bash
# Installs what is missing, builds, and runs GenHook on the shipped settings.ini and webhooks.ini.
# Extra arguments go to `genhook serve` (for example --settings other.ini).
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v node >/dev/null 2>&1; then
  echo "start.sh: Node.js >= 20.18 is needed (https://nodejs.org); install it and run ./start.sh again" >&2
  exit 1
fi
if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=18)?0:1)'; then
  echo "start.sh: Node.js $(node --version) is too old; GenHook needs >= 20.18" >&2
  exit 1
fi

# npm ci when node_modules is missing or older than the lock file.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

# Build when any source is newer than the last build.
if [ ! -f dist/src/cli.js ] || [ -n "$(find src console tsconfig.json package.json -newer dist/src/cli.js -print -quit)" ]; then
  npm run build
fi

exec node dist/src/cli.js serve "$@"
