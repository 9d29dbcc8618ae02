#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Swagger UI in a real browser: starts a throwaway server, then drives /docs
# in headless Chromium (Debian's `chromium`, through playwright-core pinned in
# tests/client): authorise, run "List tasks", see the 200, reload, and see the
# authorisation kept. Screenshots go to tests/output/browser/.
#
# Usage: scripts/browser-test.sh
# Installs Debian's chromium when it is missing (needs root or sudo).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=lib/common.sh
source scripts/lib/common.sh

chromium_bin="${CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$chromium_bin" ]; then
  echo "installing Debian's chromium"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq </dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium </dev/null >/dev/null
fi

if [ ! -d tests/client/node_modules ] ||
  [ tests/client/package-lock.json -nt tests/client/node_modules/.package-lock.json ]; then
  (cd tests/client && npm ci --no-audit --no-fund --loglevel=error)
fi

trap test_server_stop EXIT
test_server_start

out=tests/output/browser
rm -rf "$out"
mkdir -p "$out"
TASKS_API_URL="$SERVER_URL" SCREENSHOT_DIR="$PWD/$out" CHROMIUM="$chromium_bin" \
  node tests/client/browser-test.mjs
echo "screenshots in $out/"
