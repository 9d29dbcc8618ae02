#!/usr/bin/env bash
# Contract tests: schemathesis (pinned in tests/contract/requirements.txt,
# installed into tests/contract/.venv) runs every check against a live
# server, authenticated as a freshly signed-up user, with the committed spec
# (openapi/openapi.json) as the contract. Configuration:
# tests/contract/schemathesis.toml. Exits non-zero on any failure.
#
# Usage: scripts/contract-test.sh [extra schemathesis run options]
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

venv=tests/contract/.venv
if [ ! -x "$venv/bin/schemathesis" ] ||
  ! cmp -s tests/contract/requirements.txt "$venv/requirements.installed"; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check \
    --no-deps -r tests/contract/requirements.txt
  cp tests/contract/requirements.txt "$venv/requirements.installed"
fi

# shellcheck source=lib/server.sh
source scripts/lib/server.sh
trap server_stop EXIT
server_start
server_sign_up

mkdir -p tests/output/contract
TASKS_API_TOKEN="$SERVER_TOKEN" TASKS_API_USER_ID="$SERVER_USER_ID" \
  "$venv/bin/schemathesis" --config-file tests/contract/schemathesis.toml \
  run openapi/openapi.json \
  --url "$SERVER_URL" \
  --checks all \
  --report junit --report-dir tests/output/contract \
  --no-color "$@"
