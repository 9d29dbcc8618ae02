#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Failure tests on real processes: a throwaway PostgreSQL and the release
# server, both on loopback, under a bounded load (scripts/lib/load.py).
#
#   1. Graceful shutdown: SIGTERM in the middle of a steady load. Every
#      request the server accepted is answered, the process exits 0, and every
#      acknowledged write is there when a new process starts on the database.
#   2. Database outage: PostgreSQL is stopped (as if it crashed) in the middle
#      of a load. Requests answer 503 problem+json `database_unavailable` with
#      Retry-After within about a second instead of hanging; /health/ready is
#      503 and /health/live 200; when PostgreSQL is back the same process
#      recovers. Every write acknowledged before, during and after is there;
#      no refused write is half-applied.
#
# Usage: scripts/chaos.sh        (about a minute once the release build exists)
#
# Settings (environment): CHAOS_SECONDS (load per leg, default 12),
# CHAOS_CONCURRENCY (default 16), CHAOS_MAX_REQUESTS (per leg, default 40000),
# CHAOS_OUTAGE_SECONDS (default 5), CHAOS_PG_STOP_MODE (immediate | fast,
# default immediate), CHAOS_MAX_LATENCY (seconds a request may take during
# the outage, default 1.5), TASKS_API_BIN (a prebuilt server binary),
# CHAOS_FIGURES (write the figures as JSON to this file).
# Exits non-zero on any lost or half-applied write or any failed check.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# shellcheck source=lib/postgres.sh
source scripts/lib/postgres.sh
# shellcheck source=lib/common.sh
source scripts/lib/common.sh

SECONDS_PER_LEG="${CHAOS_SECONDS:-12}"
CONCURRENCY="${CHAOS_CONCURRENCY:-16}"
MAX_REQUESTS="${CHAOS_MAX_REQUESTS:-40000}"
OUTAGE_SECONDS="${CHAOS_OUTAGE_SECONDS:-5}"
STOP_MODE="${CHAOS_PG_STOP_MODE:-immediate}"
MAX_LATENCY="${CHAOS_MAX_LATENCY:-1.5}"
LOAD=(python3 scripts/lib/load.py)

WORK="$(mktemp -d)"
SERVER_PID=""
LOAD_PID=""
SLOW_PID=""
cleanup() {
  local status=$? pid
  for pid in "$LOAD_PID" "$SLOW_PID"; do
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  done
  server_stop "$SERVER_PID"
  if [ "$status" -ne 0 ]; then
    dump_logs 30 "$WORK"/server-*.log
  fi
  pg_stop
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

section "building the release server"
TASKS_API="$(tasks_api_binary release)"

section "starting PostgreSQL"
pg_start
if command -v psql >/dev/null 2>&1; then PSQL=psql; else PSQL="$PG_BIN/psql"; fi
# The throwaway cluster runs with synchronous_commit=off for speed; this
# test stops it as if it crashed, so its database commits for real (with
# fsync off that is still only a write to the OS, which survives a process
# crash): otherwise PostgreSQL itself could lose acknowledged commits.
"$PSQL" "$PG_URL" -v ON_ERROR_STOP=1 -q \
  -c "create database chaos" \
  -c "alter database chaos set synchronous_commit = on"
DB_URL="postgres://postgres@127.0.0.1:$PG_PORT/chaos"

SERVER_ENV=(
  DATABASE_URL="$DB_URL"
  JWT_SECRET="chaos-test-secret-at-least-32-bytes-long"
  BCRYPT_COST=4
  AUTH_REQUESTS_PER_IP=1000000
  DATABASE_MAX_CONNECTIONS=10
  SHUTDOWN_GRACE_SECONDS=20
)
server_up() { # LOG_NAME
  server_start "$WORK/server-$1.log" "${SERVER_ENV[@]}"
  echo "server $1 on $SERVER_URL (pid $SERVER_PID)"
}
# load_start NAME [load.py run options...]: the load in the background; waits
# until it is running.
load_start() {
  local name="$1"
  shift
  rm -f "$WORK/$name.ready"
  "${LOAD[@]}" run --url "$SERVER_URL" --journal "$WORK/$name.json" \
    --ready-file "$WORK/$name.ready" --users 4 --concurrency "$CONCURRENCY" \
    --max-requests "$MAX_REQUESTS" --max-seconds "$SECONDS_PER_LEG" --run-id "$name" "$@" &
  LOAD_PID=$!
  local _
  for _ in $(seq 1 300); do
    [ -s "$WORK/$name.ready" ] && return 0
    kill -0 "$LOAD_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "chaos: the load did not start" >&2
  return 1
}
load_wait() {
  local rc=0
  wait "$LOAD_PID" || rc=$?
  LOAD_PID=""
  [ "$rc" -eq 0 ] || { echo "chaos: the load driver failed ($rc)" >&2; return 1; }
}

# ---------------------------------------------------------------------------
section "1. graceful shutdown under load (SIGTERM after $((SECONDS_PER_LEG / 3)) s)"
server_up drain
load_start drain --stop-when-refused
sleep "$((SECONDS_PER_LEG / 3))"
# Besides the load, a few requests whose bodies are still arriving when the
# signal comes: they finish 2 s after it, and must still be answered.
"${LOAD[@]}" slow --url "$SERVER_URL" --count 4 --hold 2 --ready-file "$WORK/slow.ready" \
  --out "$WORK/slow.json" &
SLOW_PID=$!
for _ in $(seq 1 100); do
  [ -s "$WORK/slow.ready" ] && break
  sleep 0.1
done
SIGNAL_AT="$(now)"
kill -TERM "$SERVER_PID"
server_wait "$SERVER_PID" 30
STOPPED_AT="$(now)"
DRAIN_PID="$SERVER_PID"
SERVER_PID=""
wait "$SLOW_PID" || fail "the slow requests did not complete"
SLOW_PID=""
load_wait
python3 -c "print('  server exited with status $SERVER_STATUS, %.2f s after SIGTERM' % ($STOPPED_AT - $SIGNAL_AT))"
if [ "$SERVER_STATUS" = timeout ]; then
  kill -KILL "$DRAIN_PID" 2>/dev/null || true
  fail "the server had not exited 30 s after SIGTERM"
elif [ "$SERVER_STATUS" -ne 0 ]; then
  fail "the server exited with status $SERVER_STATUS after SIGTERM (expected 0)"
fi
"${LOAD[@]}" drain --journal "$WORK/drain.json" --signal "$SIGNAL_AT" \
  --slow "$WORK/slow.json" --figures "$WORK/drain-outcome.json" || fail "a request the server accepted failed during the drain"
# A new process on the same database: every acknowledged write is there.
server_up after-drain
"${LOAD[@]}" verify --url "$SERVER_URL" --journal "$WORK/drain.json" \
  --figures "$WORK/drain-figures.json" || fail "writes acknowledged before the shutdown were lost"

# ---------------------------------------------------------------------------
section "2. database outage under load (PostgreSQL stopped -m $STOP_MODE for ${OUTAGE_SECONDS} s)"
# The load runs until 4 s after recovery (bounded by the leg's time budget
# plus the outage), so there is load before, during and after the outage.
load_start outage --max-seconds "$((SECONDS_PER_LEG + OUTAGE_SECONDS + 30))" \
  --stop-file "$WORK/outage.stop"
sleep "$((SECONDS_PER_LEG / 3))"
DOWN_AT="$(now)"
pg_halt "$STOP_MODE"
echo "  PostgreSQL stopped"
sleep 1.2
"${LOAD[@]}" probe "$SERVER_URL/health/ready" --expect 503 --max-seconds "$MAX_LATENCY" ||
  fail "/health/ready during the outage"
"${LOAD[@]}" probe "$SERVER_URL/health/live" --expect 200 --max-seconds 1 ||
  fail "/health/live during the outage"
sleep "$(python3 -c "import time; print(max(0.0, $DOWN_AT + $OUTAGE_SECONDS - time.time()))")"
kill -0 "$SERVER_PID" 2>/dev/null || fail "the server exited during the outage"
UP_AT="$(now)"
pg_resume
echo "  PostgreSQL started again"
"${LOAD[@]}" ready "$SERVER_URL" --max-seconds 30 || fail "the server did not recover"
READY_AT="$(now)"
sleep "$((SECONDS_PER_LEG / 3))"
touch "$WORK/outage.stop"
load_wait
"${LOAD[@]}" phases --journal "$WORK/outage.json" --down "$DOWN_AT" --up "$UP_AT" \
  --ready "$READY_AT" --max-latency "$MAX_LATENCY" --figures "$WORK/outage-phases.json" ||
  fail "the service did not answer the outage as it should"
"${LOAD[@]}" verify --url "$SERVER_URL" --journal "$WORK/outage.json" \
  --figures "$WORK/outage-figures.json" || fail "writes were lost or half-applied across the outage"
kill -0 "$SERVER_PID" 2>/dev/null || fail "the server did not survive the outage"

# ---------------------------------------------------------------------------
section "figures"
python3 - "$WORK" <<'PY'
import json, os, sys
w = sys.argv[1]
def load(name):
    p = os.path.join(w, name)
    return json.load(open(p)) if os.path.exists(p) else {}
rows = [("graceful shutdown", load("drain-figures.json")),
        ("database outage", load("outage-figures.json"))]
print(f"{'test':<18} {'sent':>7} {'failed':>7} {'refused':>8} {'not acc.':>8} "
      f"{'ack. writes':>11} {'ack. creates':>12} {'found':>7}")
for name, f in rows:
    if f:
        print(f"{name:<18} {f['sent']:>7} {f['failed']:>7} {f['refused']:>8} {f['not_sent']:>8} "
              f"{f['acknowledged']:>11} {f['acknowledged_creates']:>12} {f['found']:>7}")
out = os.environ.get("CHAOS_FIGURES")
if out:
    json.dump({"drain": load("drain-figures.json"), "drain_outcome": load("drain-outcome.json"),
               "outage": load("outage-figures.json"),
               "outage_phases": load("outage-phases.json")}, open(out, "w"), indent=1)
PY

if [ "$FAILED" -ne 0 ]; then
  echo "chaos: FAILED" >&2
  exit 1
fi
echo "chaos: all checks passed"
