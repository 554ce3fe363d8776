#!/usr/bin/env bash
# Runs every test: unit and integration tests (cargo) and the browser tests in headless
# Chromium. Installs what the browser tests need when it is missing (Debian's chromium and
# a CJK font via apt-get when run as root or with passwordless sudo; playwright-core and
# axe-core via npm).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi "noto sans cjk"; then
  # root installs directly; another user through passwordless sudo when there is one
  SUDO=""
  if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
  fi
  if { [ "$(id -u)" = "0" ] || [ -n "$SUDO" ]; } && command -v apt-get >/dev/null 2>&1; then
    $SUDO apt-get install -y --no-install-recommends chromium fonts-noto-cjk >/dev/null 2>&1 \
      || { $SUDO apt-get update >/dev/null && $SUDO apt-get install -y --no-install-recommends chromium fonts-noto-cjk >/dev/null; }
  else
    echo "error: browser tests need Debian's chromium (and fonts-noto-cjk): sudo apt-get install chromium fonts-noto-cjk" >&2
    exit 2
  fi
fi
if [ -f package.json ] && { [ ! -d node_modules/playwright-core ] || [ ! -d node_modules/axe-core ]; }; then
  npm ci --no-audit --no-fund --silent
fi
cargo test --release "$@"
