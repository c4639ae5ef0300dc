#!/usr/bin/env bash
# Make sure Debian's chromium is installed for the real-browser tests (Playwright drives it
# with executable_path=/usr/bin/chromium; `playwright install` cannot download browsers here).
# Bounded in time; on failure the browser tests fail loudly rather than being skipped.
set -euo pipefail
CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null; then
  echo "chromium is missing and we are not root: install it with 'apt-get install chromium'" >&2
  exit 1
fi
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "==> installing chromium from Debian's packages (bounded to 10 minutes)"
export DEBIAN_FRONTEND=noninteractive
timeout 300 $SUDO apt-get update -qq
timeout 600 $SUDO apt-get install -y -qq --no-install-recommends chromium fonts-liberation >/dev/null
"$CHROMIUM" --version
