#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Abuse regression: a throwaway server on loopback (the debug binary and a
# fresh SQLite database, scripts/lib/common.sh) with short connection
# timeouts and a small connection cap, attacked in turn by scripts/lib/abuse/
# (one file per kind of attack) while a normal user reads and lists its own
# tasks:
#
#   1. idle keep-alive connections      5. stalled request bodies
#   2. silent and half-sent connections 6. duplicate-tag flood (15,000 copies)
#   3. connections up to the cap        7. repeated `tag` filter (200, 2,000)
#   4. oversize header and body         8. NUL in every text a client sends
#   9. one user with ABUSE_HEAVY_TASKS tasks (seeded before the server
#      starts) running 16 concurrent worst-case lists: the normal user's
#      median stays under ABUSE_MAX_HEAVY_P50_MS and none of its requests fail
#
# What one bad request gets back is the Rust tests' to check
# (tests/api/connections.rs, hardening.rs); each attack here checks what only
# load shows: all of them refused or closed in time and cheaply, nothing
# written, and every request of the normal user during it succeeded with p99
# within ABUSE_MAX_P99_MS. Prints, per attack, what was sent, what came back
# and the normal user's p50/p99, then a summary table (one line per attack);
# exits non-zero on any failed check. Loopback only; every loop is bounded in
# count and time (about 20 s in all).
#
# Usage: scripts/abuse.sh [extra abuse run options, e.g. --only 3,6]
#
# Settings (environment): ABUSE_MAX_P99_MS (normal user's p99 bound during
# an attack, default 500), ABUSE_HEADER_TIMEOUT (HEADER_READ_TIMEOUT_SECONDS
# for this run, default 2), ABUSE_BODY_TIMEOUT (BODY_READ_TIMEOUT_SECONDS,
# default 2), ABUSE_MAX_CONNECTIONS (MAX_CONNECTIONS, default 300),
# ABUSE_MAX_SECONDS (the attacks' time budget, default 75),
# ABUSE_HEAVY_TASKS (default 100000), ABUSE_MAX_HEAVY_P50_MS (default 20),
# ABUSE_DATABASE_URL (an empty PostgreSQL database to run against instead
# of a fresh SQLite file), ABUSE_FIGURES
# (write the figures as JSON to this file), TASKS_API_BIN (a prebuilt server
# binary; otherwise the debug build, built if out of date).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

MAX_P99_MS="${ABUSE_MAX_P99_MS:-500}"
HEADER_TIMEOUT="${ABUSE_HEADER_TIMEOUT:-2}"
BODY_TIMEOUT="${ABUSE_BODY_TIMEOUT:-2}"
CAP="${ABUSE_MAX_CONNECTIONS:-300}"
MAX_SECONDS="${ABUSE_MAX_SECONDS:-75}"

# The attack holds about CAP connections at once, and the server as many.
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $((CAP + 200)) ]; then
  ulimit -n $((CAP + 200)) 2>/dev/null || {
    echo "abuse: the file-descriptor limit ($(ulimit -n)) is below ABUSE_MAX_CONNECTIONS + 200" >&2
    exit 2
  }
fi

# shellcheck source=lib/common.sh
source scripts/lib/common.sh
trap test_server_stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# test_server_start runs the binary with the caller's environment: the
# limits under test are passed this way.
export HEADER_READ_TIMEOUT_SECONDS="$HEADER_TIMEOUT"
export BODY_READ_TIMEOUT_SECONDS="$BODY_TIMEOUT"
export MAX_CONNECTIONS="$CAP"
export MAX_HEADER_BYTES=16384
export SERVER_SEED_ARGS="--users 1 --tasks-per-user ${ABUSE_HEAVY_TASKS:-100000}"
if [ -n "${ABUSE_DATABASE_URL:-}" ]; then
  export SERVER_DATABASE_URL="$ABUSE_DATABASE_URL"
fi
test_server_start

started=$SECONDS
python3 scripts/lib/abuse run --url "$SERVER_URL" --server-pid "$SERVER_PID" \
  --header-timeout "$HEADER_TIMEOUT" --body-timeout "$BODY_TIMEOUT" \
  --max-connections "$CAP" --max-p99-ms "$MAX_P99_MS" --max-seconds "$MAX_SECONDS" \
  --heavy-sessions "$SERVER_SEEDED_SESSIONS" --max-heavy-p50-ms "${ABUSE_MAX_HEAVY_P50_MS:-20}" \
  ${ABUSE_FIGURES:+--figures "$ABUSE_FIGURES"} "$@" || {
  echo "abuse: FAILED (after $((SECONDS - started)) s)" >&2
  exit 1
}
kill -0 "$SERVER_PID" 2>/dev/null || {
  echo "abuse: FAILED: the server is gone" >&2
  exit 1
}
echo "abuse: all checks passed in $((SECONDS - started)) s"
