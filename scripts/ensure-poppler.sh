#!/usr/bin/env bash
# Make sure Debian's poppler-utils (pdftotext, pdftoppm) is installed: the chart-summary PDF
# tests read the PDF's text and render its first page with them. Bounded in time; the
# tests skip with a clear reason when the tools are still missing (no apt, not root).
set -euo pipefail
if command -v pdftotext >/dev/null && command -v pdftoppm >/dev/null; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null; then
  echo "pdftotext is missing and we are not root: install it with 'apt-get install poppler-utils'" >&2
  exit 0
fi
if ! command -v apt-get >/dev/null; then
  echo "pdftotext is missing and apt-get is unavailable: the PDF text tests will be skipped" >&2
  exit 0
fi
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "==> installing poppler-utils from Debian's packages (bounded to 10 minutes)"
export DEBIAN_FRONTEND=noninteractive
# apt waits for another apt run's lock (up to 2 minutes) rather than failing at once.
timeout 300 $SUDO apt-get -o DPkg::Lock::Timeout=120 update -qq || true
timeout 600 $SUDO apt-get -o DPkg::Lock::Timeout=120 install -y -qq --no-install-recommends \
  poppler-utils >/dev/null || echo "poppler-utils could not be installed: PDF text tests skip" >&2
