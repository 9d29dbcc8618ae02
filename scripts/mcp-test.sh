#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# /mcp with real MCP clients, on SQLite and on PostgreSQL: the official
# Python SDK (pinned in tests/mcp/requirements.txt, installed into
# tests/mcp/.venv) runs tests/mcp/client_test.py in both protocol eras
# ("auto": the 2026-07-28 discovery; "legacy": the initialize handshake),
# and the MCP Inspector's CLI (pinned in tests/mcp/inspector) lists the tools
# (--strict: no schema a one-type dialect such as Gemini's would reject)
# and calls one with the bearer header. Each leg runs its own throwaway debug
# server; the PostgreSQL leg a throwaway cluster (scripts/lib/postgres.sh),
# and it fails when none can be started.
#
# Usage: scripts/mcp-test.sh
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=lib/common.sh
source scripts/lib/common.sh
# shellcheck source=lib/postgres.sh
source scripts/lib/postgres.sh

venv=tests/mcp/.venv
python_venv "$venv" tests/mcp/requirements.txt
(cd tests/mcp/inspector && timeout 600 npm ci --no-audit --no-fund --loglevel=error </dev/null)
inspector=tests/mcp/inspector/node_modules/.bin/mcp-inspector

TASKS_API="$(tasks_api_binary debug)"
work="$(mktemp -d)"
cleanup() {
  local status=$?
  server_stop "${SERVER_PID:-}"
  [ "$status" -eq 0 ] || dump_logs 50 "$work"/*.log
  pg_stop
  rm -rf "$work"
  return "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# leg NAME DATABASE_URL: one server over that database, every client.
leg() {
  local name="$1" database="$2" token_a token_b _
  section "MCP clients on $name"
  server_start "$work/$name.log" APP_ENV=development DATABASE_URL="$database" \
    JWT_SECRET="test-secret-that-is-at-least-32-bytes-long" BCRYPT_COST=4 \
    AUTH_REQUESTS_PER_IP=1000000
  read -r token_a _ <<<"$(python3 scripts/lib/helpers.py sign-up "$SERVER_URL")"
  read -r token_b _ <<<"$(python3 scripts/lib/helpers.py sign-up "$SERVER_URL")"
  for mode in auto legacy; do
    TOKEN_A="$token_a" TOKEN_B="$token_b" timeout 300 \
      "$venv/bin/python" tests/mcp/client_test.py "$SERVER_URL/mcp" "$mode"
  done
  local listed called
  listed="$(timeout 120 "$inspector" --cli "$SERVER_URL/mcp" --transport http \
    --header "Authorization: Bearer $token_a" --method tools/list --strict)"
  python3 -c 'import json, sys
names = sorted(t["name"] for t in json.load(sys.stdin)["tools"])
want = sorted(["list_tasks", "get_task", "add_task", "update_task",
               "complete_task", "delete_task", "clear_completed"])
assert names == want, names
print("inspector: 1 passed, 0 failed (tools/list)")' <<<"$listed"
  called="$(timeout 120 "$inspector" --cli "$SERVER_URL/mcp" --transport http \
    --header "Authorization: Bearer $token_a" --method tools/call \
    --tool-name add_task --tool-arg "title=From the inspector")"
  python3 -c 'import json, sys
result = json.load(sys.stdin)
assert result["structuredContent"]["title"] == "From the inspector", result
print("inspector: 1 passed, 0 failed (tools/call)")' <<<"$called"
  server_stop "$SERVER_PID"
  SERVER_PID=""
}

leg SQLite "sqlite://$work/tasks.db"
pg_start
"$PG_BIN/psql" -h "$PG_DIR" -p "$PG_PORT" -U postgres -d postgres -qc 'CREATE DATABASE tasks'
leg PostgreSQL "postgres://postgres@127.0.0.1:$PG_PORT/tasks"
