#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# The spec as client authors meet it. From the committed spec
# (openapi/openapi.json), with the tools pinned in tests/client/package-lock.json:
#   1. lints it with Spectral (`spectral:oas`) and Redocly (`recommended`,
#      warnings included), with no exceptions;
#   2. generates five clients: openapi-typescript (for openapi-fetch), orval's
#      fetch client, orval's zod schemas, the @hey-api/openapi-ts client, and
#      openapi-generator's typescript-fetch client (its jar from PyPI's
#      openapi-generator-cli, pinned in tests/contract/requirements.txt and
#      installed into tests/contract/.venv; Java on PATH);
#   3. type-checks them with `tsc --strict`, together with compile-time checks
#      that each typed the spec's schemas exactly (src/typecheck.ts), and
#      fails on any `unknown` or `any` in their generated types
#      (check-generated.mjs);
#   4. runs, against a throwaway server (a fresh SQLite database on a free
#      port, failed logins limited to 3 per email), the hey-api client's
#      end-to-end test (src/e2e.ts), a user journey whose every response is
#      parsed with orval's strict zod schema for its operation and status
#      (src/journey.ts), and the typescript-fetch client configured with
#      just a base path and the access token (src/typescript-fetch.ts).
# Every step runs; the script fails at the end if any did.
#
# Usage: scripts/client-matrix.sh [--no-e2e] [SPEC]
#   --no-e2e  lint, generate and type-check only (no server, no cargo)
#   SPEC      another OpenAPI document to try instead of the committed one
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root="$PWD"
# shellcheck source=lib/common.sh
source scripts/lib/common.sh

run_e2e=1
if [ "${1:-}" = "--no-e2e" ]; then
  run_e2e=0
  shift
fi
spec="$(realpath "${1:-openapi/openapi.json}")"
export OPENAPI_SPEC="$spec"
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true
# The failed-login limit of the journey's server: its 429 comes after this
# many wrong passwords.
export AUTH_FAILURES_PER_EMAIL=3

failed=()
# Runs one step, bounded in time; a failure is recorded and the next step runs.
check() {
  local name="$1" seconds="$2"
  shift 2
  printf '\n--- %s\n' "$name"
  if ! timeout --kill-after=10 "$seconds" "$@" </dev/null; then
    failed+=("$name")
    echo "FAILED: $name" >&2
  fi
}

python_venv tests/contract/.venv tests/contract/requirements.txt
openapi_generator="$root/tests/contract/.venv/bin/openapi-generator-cli"

cd tests/client
# Exact versions from package-lock.json; skipped when they are installed.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  timeout 600 npm ci --no-audit --no-fund --loglevel=error </dev/null
fi
echo "spec: ${spec#"$root"/}"

check "Spectral (spectral:oas)" 120 \
  npx --no-install spectral lint --ruleset .spectral.yaml --fail-severity=warn "$spec"
check "Redocly (recommended, warnings fail)" 120 \
  npx --no-install redocly lint --config redocly-lint.yaml --format=stylish "$spec"

rm -rf src/client src/gen build
mkdir -p build
mkdir -p src/gen/openapi-typescript
check "generate: openapi-typescript" 120 \
  npx --no-install openapi-typescript "$spec" -o src/gen/openapi-typescript/schema.ts
check "generate: orval (fetch client and zod schemas)" 120 \
  npx --no-install orval --config orval.config.ts
check "generate: @hey-api/openapi-ts" 120 npx --no-install openapi-ts --silent
# ES module imports with their `.js` extension, as Node needs them. Its
# chatty log is shown only when it fails.
check "generate: openapi-generator typescript-fetch ($("$openapi_generator" version))" 300 \
  bash -c '"$@" >build/openapi-generator.log 2>&1 || { cat build/openapi-generator.log; exit 1; }' \
  _ "$openapi_generator" generate -i "$spec" -g typescript-fetch -o src/gen/typescript-fetch \
  --additional-properties=importFileExtension=.js,supportsES6=true

# tsconfig.json has "strict": true; this compiles the four clients,
# src/typecheck.ts and the two end-to-end tests.
check "tsc --strict ($(npx --no-install tsc --version))" 300 npx --no-install tsc -p tsconfig.json
check "tsc --strict: typescript-fetch" 300 npx --no-install tsc -p tsconfig.typescript-fetch.json
check "no unknown/any in the generated types" 60 node check-generated.mjs \
  src/gen/openapi-typescript/schema.ts src/gen/orval/fetch.ts src/gen/orval/zod.ts \
  src/client/types.gen.ts

if [ "$run_e2e" = 1 ] && [ -f build/e2e.js ] && [ -f build/journey.js ] &&
  [ -f build/typescript-fetch.js ]; then
  cd "$root"
  trap test_server_stop EXIT
  SERVER_AUTH_FAILURES_PER_EMAIL="$AUTH_FAILURES_PER_EMAIL" test_server_start
  export TASKS_API_URL="$SERVER_URL"
  check "hey-api client end to end" 120 node tests/client/build/e2e.js
  check "user journey, every response parsed by its zod schema" 120 \
    node tests/client/build/journey.js
  check "typescript-fetch client: sign up, create, list, get, authenticated" 120 \
    node tests/client/build/typescript-fetch.js
elif [ "$run_e2e" = 1 ]; then
  failed+=("end-to-end tests (not built)")
fi

echo
if [ "${#failed[@]}" -gt 0 ]; then
  printf 'client matrix: %d step(s) failed:\n' "${#failed[@]}" >&2
  printf '  - %s\n' "${failed[@]}" >&2
  exit 1
fi
echo "client matrix: all steps passed"
