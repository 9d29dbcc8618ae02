#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Contract tests: schemathesis (pinned in tests/contract/requirements.txt,
# installed into tests/contract/.venv) runs every check against a live
# server, authenticated as a freshly signed-up user, with the committed spec
# (openapi/openapi.json) as the contract. Configuration:
# tests/contract/schemathesis.toml. Exits non-zero on any failure.
#
# Usage: scripts/contract-test.sh [extra schemathesis run options]
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

# shellcheck source=lib/common.sh
source scripts/lib/common.sh
venv=tests/contract/.venv
python_venv "$venv" tests/contract/requirements.txt

trap test_server_stop EXIT
test_server_start
test_server_sign_up

mkdir -p tests/output/contract
TASKS_API_TOKEN="$SERVER_TOKEN" TASKS_API_USER_ID="$SERVER_USER_ID" \
  "$venv/bin/schemathesis" --config-file tests/contract/schemathesis.toml \
  run openapi/openapi.json \
  --url "$SERVER_URL" \
  --checks all \
  --report junit --report-dir tests/output/contract \
  --no-color "$@"
