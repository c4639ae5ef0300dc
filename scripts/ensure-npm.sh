#!/usr/bin/env bash
# Install the npm packages the browser tests use (package.json + package-lock.json, exact
# versions: lforms for the FHIR check) into node_modules/, first run only and whenever the
# lock file changed. Bounded in time; on failure the tests that need them fail loudly.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
STAMP="node_modules/.installed-package-lock.json"
if [ -f "$STAMP" ] && cmp -s package-lock.json "$STAMP"; then
  exit 0
fi
if ! command -v npm >/dev/null; then
  echo "npm is missing: install Node.js 20 (Debian: apt-get install nodejs npm)" >&2
  exit 1
fi
echo "==> installing npm packages from package-lock.json (bounded to 10 minutes)"
# .npmrc sets legacy-peer-deps: lforms ships a built bundle, and npm's peer resolution of
# its Angular dependencies otherwise loops; --ignore-scripts: no install scripts run.
timeout 600 npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
cp package-lock.json "$STAMP"
