#!/usr/bin/env bash
# Generates the TypeScript client from the committed spec
# (openapi/openapi.json) with @hey-api/openapi-ts, type-checks it and its
# end-to-end test with `tsc --strict`, and runs that test against a live
# server (a fresh SQLite database on a free port).
#
# Usage: scripts/generate-ts-client.sh [--no-e2e]
#   --no-e2e  only generate and type-check (no server, no cargo)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root="$PWD"

run_e2e=1
[ "${1:-}" = "--no-e2e" ] && run_e2e=0

cd tests/client
# Exact versions from package-lock.json; skipped when they are installed.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi

rm -rf src/client build
npx --no-install openapi-ts --silent
echo "generated tests/client/src/client from openapi/openapi.json"

# tsconfig.json has "strict": true; this compiles the client and src/e2e.ts.
npx --no-install tsc -p tsconfig.json
echo "type-checked with tsc --strict ($(npx --no-install tsc --version))"

[ "$run_e2e" = 1 ] || exit 0

cd "$root"
# shellcheck source=lib/server.sh
source scripts/lib/server.sh
trap server_stop EXIT
server_start
TASKS_API_URL="$SERVER_URL" node tests/client/build/e2e.js
