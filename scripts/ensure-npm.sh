#!/usr/bin/env bash
# Install the Node packages the tests use (package.json + package-lock.json at the root:
# axe-core for the accessibility checks, lforms for the FHIR check) exactly as locked, bounded in time. Skipped when
# every locked package is already installed at its locked version.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
if ! command -v npm >/dev/null; then
  echo "npm is missing: install Node.js 20 (apt-get install nodejs npm)" >&2
  exit 1
fi
if node -e '
  const fs = require("fs");
  const lock = JSON.parse(fs.readFileSync("package-lock.json", "utf8")).packages;
  for (const [path, meta] of Object.entries(lock)) {
    if (!path) continue;
    const installed = JSON.parse(fs.readFileSync(path + "/package.json", "utf8"));
    if (installed.version !== meta.version) process.exit(1);
  }' 2>/dev/null; then
  exit 0
fi
echo "==> npm ci (bounded to 10 minutes)"
# .npmrc sets legacy-peer-deps: lforms ships a built bundle, and npm's peer resolution of
# its Angular dependencies otherwise loops until the timeout.
timeout 600 npm ci --no-audit --no-fund --ignore-scripts
