#!/usr/bin/env bash
# Load benchmark: the server's endpoints against a bare poem handler (the
# ceiling), on loopback, with wrk.
#
#   scripts/bench.sh                 # SQLite, 10 s per scenario (~7 min)
#   scripts/bench.sh --postgres      # a throwaway PostgreSQL (scripts/lib/postgres.sh)
#   scripts/bench.sh --quick         # 5 s per scenario, 100k-task scale database
#   scripts/bench.sh --write         # also write the table into BENCHMARKS.md
#   scripts/bench.sh --compare REV   # also run get/list/create/open on REV's build,
#                                    # alternating with this one, for before/after ratios
#                                    # of throughput and server CPU a request, and
#                                    # (SQLite) count each build's instructions a
#                                    # request under callgrind
#   scripts/bench.sh --only "IDS"    # only the named scenarios (see below)
#   scripts/bench.sh --only streams  # only the live-stream scenario (~1 min; add
#                                    # --postgres for PostgreSQL)
#
# Options: --duration 10s (per wrk run), --conns "64 1000", --users N
# (seeded users of the main database, 100 tasks each), --scale-users N (users
# of the scale database: 10000 = 1M tasks; 0 skips it), --only "IDS": run
# only these of ceiling, live, get, list, mcp-get, mcp-list (the get_task and
# list_tasks tools through /mcp), patch, mixed, create, login, open,
# flood, burst, large (the scale database), streams; --compare then
# compares those of get, list, create and open. --streams N (open event
# streams of the live-stream scenario, default 1000; 0 skips it),
# --streams-per-user N (default 5, the server's MAX_STREAMS_PER_USER
# default).
#
# What it does: builds release, seeds a database (`tasks-api seed`), starts
# the ceiling (examples/ceiling.rs) and measures it with the seeded users'
# headers, starts the server on the database, times one hash (the quickest
# of 5 sequential logins on the idle server: the bcrypt limit is cores / that
# time) and runs get one / list 50 / patch / mixed / create / login at each
# connection count, then the open loop (1000 requests a second arriving at a
# constant rate over 1000 connections, each timed from when it was due:
# scripts/bench/open_loop.py with oha) for twice --duration, then
# reads during a login flood. The login runs and the flood wait up to the
# request deadline (wrk --timeout 30s), since logins queue for the bcrypt
# threads, and each login run is followed by a wait (at most 60 s) until a
# probe login is quick again. Then, on a fresh server on the same database,
# bursts of 16, 64 and 256 logins sent at one moment
# (scripts/bench/login_burst.py, cycling over the seeded users), each once
# the queue is empty, with the server's peak RSS for each. It seeds the
# scale database and runs get and list on it. Every wrk run is bounded by
# --duration; everything started is stopped on exit. The live-stream
# scenario (scripts/bench/streams.py) seeds a database of its own with
# enough users for --streams at --streams-per-user each, starts a server on
# it, reads its VmRSS before and after opening the streams (memory per
# stream), then makes 300 writes at 20/s, each to a user holding streams,
# and times each write to its event's arrival on every stream of that user.
#
# Server settings for the run: the real bcrypt cost (12), a fixed
# JWT_SECRET (the seeder signs the load generator's tokens with it), tokens
# valid for a day, and the auth rate limits raised out of the way
# (AUTH_REQUESTS_PER_IP, AUTH_FAILURES_PER_EMAIL) with the per-address
# stream cap (MAX_STREAMS_PER_CLIENT): every request comes from 127.0.0.1,
# and measuring the limiter's 429s is not the point. Everything
# else is the server's default, with APP_ENV=production (JSON logs, request
# log at INFO) written to a file.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
# shellcheck source=lib/common.sh
source scripts/lib/common.sh
# The scenarios' building blocks: databases, servers, one wrk or oha run,
# login probes, the live-stream scenario, the run's description.
# shellcheck source=bench/functions.sh
source scripts/bench/functions.sh

DURATION=10s
CONNS="64 1000"
USERS=100
SCALE_USERS=10000
TASKS_PER_USER=100
BACKEND=sqlite
WRITE=0
FLOOD_CONNS=64
# wrk's --timeout for the login runs: the request deadline
# (REQUEST_TIMEOUT_SECONDS), beyond the longest queue wait
# (BCRYPT_MAX_WAIT_MS, 20 s), so that a queued login counts as an answer.
LOGIN_TIMEOUT=30s
BURSTS="16 64 256"
COMPARE=""
COMPARE_ROUNDS=2
ONLY=""
OPEN_CONNS=1000
OPEN_RATE=1000
OPEN_LABEL="open loop, 1000 req/s (oha)"
STREAMS=1000
STREAMS_PER_USER=5
ORIGINAL_ARGS="$*"

while [ $# -gt 0 ]; do
  case "$1" in
    --postgres) BACKEND=postgres ;;
    --write) WRITE=1 ;;
    --quick) DURATION=5s; SCALE_USERS=1000 ;;
    --duration) DURATION="$2"; shift ;;
    --conns) CONNS="$2"; shift ;;
    --users) USERS="$2"; shift ;;
    --scale-users) SCALE_USERS="$2"; shift ;;
    --compare) COMPARE="$2"; shift ;;
    --only) ONLY="$2"; shift ;;
    --streams) STREAMS="$2"; shift ;;
    --streams-per-user) STREAMS_PER_USER="$2"; shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

if [ "$ONLY" = streams ]; then
  if [ "$WRITE" -eq 1 ] || [ -n "$COMPARE" ]; then
    echo "--only streams takes neither --write nor --compare" >&2
    exit 2
  fi
  [ "$STREAMS" -gt 0 ] || { echo "--only streams needs --streams > 0" >&2; exit 2; }
fi

log() { printf '\n== %s\n' "$*" >&2; }

# want ID: whether --only (if given) names scenario ID.
want() { [ -z "$ONLY" ] || [[ " $ONLY " == *" $1 "* ]]; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

ensure_tools() {
  if ! command -v wrk >/dev/null 2>&1; then
    log "installing wrk (Debian package)"
    as_root apt-get install -y wrk </dev/null || {
      as_root apt-get update </dev/null && as_root apt-get install -y wrk </dev/null
    }
  fi
  # oha keeps the open loop's arrival rate and times each request from when
  # it was due (wrk's delay() cannot: a slow server only lowers its rate).
  if { want open || [ -n "$COMPARE" ]; } && ! command -v oha >/dev/null 2>&1; then
    log "installing oha (crates.io, cargo install --locked; a few minutes)"
    cargo install oha --locked --quiet </dev/null
    export PATH="$PATH:${CARGO_HOME:-$HOME/.cargo}/bin"
  fi
  if [ -n "$COMPARE" ] && ! command -v valgrind >/dev/null 2>&1; then
    log "installing valgrind (Debian package)"
    as_root apt-get install -y valgrind </dev/null || {
      as_root apt-get update </dev/null && as_root apt-get install -y valgrind </dev/null
    }
  fi
  for tool in curl python3; do
    command -v "$tool" >/dev/null || { echo "error: $tool is required" >&2; exit 1; }
  done
}

# 1000 connections need 1000+ descriptors on each side.
raise_file_limit() {
  ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
  if [ "$(ulimit -n)" -lt 4096 ]; then
    echo "error: open-file limit $(ulimit -n) is too low for 1000 connections" >&2
    exit 1
  fi
}

ensure_tools
raise_file_limit

log "building release (server and ceiling)"
TARGET_DIR="$(cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
# An earlier --compare may have left another revision's binary here, and
# cargo does not copy its own build out again while that build is fresh:
# without the file it must.
rm -f "$TARGET_DIR/release/tasks-api"
cargo build --release --quiet --bin tasks-api --example ceiling
BIN="$TARGET_DIR/release/tasks-api"
CEILING="$TARGET_DIR/release/examples/ceiling"

WORK="$(mktemp -d)"

# --compare REV: REV's server, built from a detached worktree into the same
# target directory (its dependencies are reused; its own crates are built
# apart because their path differs), and both binaries copied out of it.
BASE_BIN=""
if [ -n "$COMPARE" ]; then
  log "building release of $COMPARE for the before/after comparison"
  cp "$BIN" "$WORK/tasks-api-current"
  BIN="$WORK/tasks-api-current"
  git worktree add --quiet --detach "$WORK/base" "$COMPARE"
  (cd "$WORK/base" && cargo build --release --quiet --bin tasks-api --target-dir "$TARGET_DIR")
  BASE_BIN="$WORK/tasks-api-base"
  cp "$TARGET_DIR/release/tasks-api" "$BASE_BIN"
  git worktree remove --force "$WORK/base"
  # Put this build's binary back where the next `cargo build` expects it
  # (cargo would not: its own build is still fresh). The file there is a
  # hard link to the base build's artifact in deps/: replaced, not written
  # through, or that artifact would hold this build under the base's name.
  cp --remove-destination "$BIN" "$TARGET_DIR/release/tasks-api"
fi
RESULTS="$WORK/results.tsv"
META="$WORK/meta"
SERVER_PID=""
FLOOD_PID=""
COMPARE_PIDS=""
: >"$RESULTS"
: >"$WORK/server-errors"

cleanup() {
  local status=$?
  for pid in $FLOOD_PID $SERVER_PID $COMPARE_PIDS; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [ "$BACKEND" = postgres ]; then pg_stop; fi
  if [ "$status" -ne 0 ]; then
    for f in "$WORK"/*.log; do
      [ -s "$f" ] && { echo "--- $f (last 20 lines)" >&2; tail -n 20 "$f" >&2; }
    done
  fi
  rm -rf "$WORK"
  git worktree prune 2>/dev/null || true
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

export JWT_SECRET="bench-secret-bench-secret-bench-secret"
export JWT_TTL_SECONDS=86400
export BCRYPT_COST=12
export AUTH_REQUESTS_PER_IP=1000000000
export AUTH_FAILURES_PER_EMAIL=1000000000
# The load generator opens every stream from one loopback address.
export MAX_STREAMS_PER_CLIENT=1000000
export APP_ENV=production
export BENCH_LUA="$ROOT/scripts/bench"

if [ "$BACKEND" = postgres ]; then
  # shellcheck source=lib/postgres.sh
  source scripts/lib/postgres.sh
  pg_start
  PSQL="$PG_BIN/psql"
  command -v psql >/dev/null && PSQL=psql
fi

LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
DB_LABEL="$BACKEND"

if [ "$ONLY" = streams ]; then
  streams_scenario
  echo "$BACKEND, $(date -u +%Y-%m-%d): $STREAMS_SUMMARY"
  cat "$WORK/server-errors"
  exit 0
fi

log "main database: $USERS users x $TASKS_PER_USER tasks"
SMALL_URL="$(database small)"
SEED_SMALL="$(seed small "$SMALL_URL" "$USERS")"
echo "   $SEED_SMALL" >&2
export BENCH_SESSIONS="$WORK/small.sessions" BENCH_USERS="$USERS"

# The ceiling's requests carry a seeded user's headers, like every
# endpoint scenario's (scripts/bench/ceiling.lua).
if want ceiling; then
  log "ceiling: bare poem handler"
  start_server ceiling "$CEILING"
  warm_up ceiling
  for c in $CONNS; do bench ceiling "ceiling (bare poem)" "-" "$c" ceiling; done
  stop_server
fi

start_server server-small env DATABASE_URL="$SMALL_URL" "$BIN" serve
warm_up get
if want login || want flood || want burst; then measure_hash; fi
SMALL="$DB_LABEL, $((USERS * TASKS_PER_USER)) tasks"
for c in $CONNS; do
  scenario live "health/live (no auth, no db)" "$SMALL" "$c" live
  scenario get "get one task" "$SMALL" "$c" get
  scenario list "list 50 tasks" "$SMALL" "$c" list
  scenario mcp-get "get_task tool call (MCP)" "$SMALL" "$c" mcp_get
  scenario mcp-list "list_tasks tool call, 50 tasks (MCP)" "$SMALL" "$c" mcp_list
  scenario patch "patch a task" "$SMALL" "$c" patch
  scenario mixed "mixed 50/30/10/10" "$SMALL" "$c" mixed
  scenario create "create a task" "$SMALL" "$c" create
  if want login; then
    bench login "login (bcrypt 12)" "$SMALL" "$c" login
    drain_logins
  fi
done

# Open loop: a fixed arrival rate, not as fast as the server answers. Twice
# the usual duration, for enough samples in the tail (1000 a second).
OPEN_SECS="$((${DURATION%s} * 2))s"
if want open; then
  log "open loop: $OPEN_RATE requests/s arriving over $OPEN_CONNS connections, for $OPEN_SECS"
  bench open "$OPEN_LABEL" "$SMALL" "$OPEN_CONNS" open "$OPEN_SECS"
fi

if want flood; then
  log "interference: get one task while $FLOOD_CONNS connections flood login"
  # The baseline right before the flood, so both see the same machine.
  bench get-base "get one task, no flood" "$SMALL" 64 get
  FLOOD_OUT="$WORK/wrk-flood.out"
  flood_secs=$((${DURATION%s} + 4))
  flood_hashed="$(hash_cpu)"
  wrk -t1 -c"$FLOOD_CONNS" -d"${flood_secs}s" --timeout "$LOGIN_TIMEOUT" -s "$BENCH_LUA/login.lua" "$URL" \
    >"$FLOOD_OUT" 2>&1 &
  FLOOD_PID=$!
  sleep 2
  bench get-flood "get one task, login flood" "$SMALL" 64 get
  wait "$FLOOD_PID" || true
  FLOOD_PID=""
  record login-flood "the login flood itself" "$SMALL" "$FLOOD_CONNS" "$FLOOD_OUT" "$(peak_kb)" \
    "$(hash_cpu_since "$flood_hashed")"
fi
stop_server
server_errors server-small

# Login bursts on a server of their own (the same database), so that its
# peak RSS is the bursts' and not what the 1000-connection runs left.
: >"$WORK/bursts"
if want burst; then
  log "login bursts of $BURSTS at one moment, each once the queue is empty"
  start_server server-burst env DATABASE_URL="$SMALL_URL" "$BIN" serve
  for n in $BURSTS; do
    drain_logins
    reset_peak
    python3 scripts/bench/login_burst.py "$URL" "$n" --users "$USERS" --timeout 40 \
      >"$WORK/burst-$n.out" || { cat "$WORK/burst-$n.out" >&2; exit 1; }
    line="$(grep '^BURST ' "$WORK/burst-$n.out")"
    echo "burst_$n=${line#BURST } rss_kb=$(peak_kb)" >>"$WORK/bursts"
    echo "   $(head -n 1 "$WORK/burst-$n.out") rss=$(peak_kb)kB" >&2
  done
  stop_server
  server_errors server-burst
fi

SEED_LARGE=""
if [ "$SCALE_USERS" -gt 0 ] && want large; then
  log "scale database: $SCALE_USERS users x $TASKS_PER_USER tasks"
  LARGE_URL="$(database large)"
  SEED_LARGE="$(seed large "$LARGE_URL" "$SCALE_USERS")"
  echo "   $SEED_LARGE" >&2
  export BENCH_SESSIONS="$WORK/large.sessions" BENCH_USERS="$SCALE_USERS"
  start_server server-large env DATABASE_URL="$LARGE_URL" "$BIN" serve
  warm_up list
  LARGE="$DB_LABEL, $((SCALE_USERS * TASKS_PER_USER)) tasks"
  for c in $CONNS; do
    bench get-large "get one task" "$LARGE" "$c" get
    bench list-large "list 50 tasks" "$LARGE" "$c" list
  done
  stop_server
  server_errors server-large
fi

if [ "$STREAMS" -gt 0 ] && want streams; then
  streams_scenario
fi

if [ -n "$COMPARE" ]; then
  # Both servers run side by side (an idle one costs nothing), each on a
  # database seeded alike by its own binary (REV may not know this build's
  # migrations); each scenario runs on them in turn, the order swapped every
  # round, and the reads come before any create.
  export BENCH_USERS="$USERS"
  BASE_URL="$(database small-base)"
  BIN="$BASE_BIN" seed small-base "$BASE_URL" "$USERS" >/dev/null
  log "before/after: $COMPARE against this build, alternating"
  start_server server-before env DATABASE_URL="$BASE_URL" "$BASE_BIN" serve
  BEFORE_URL="$URL" BEFORE_PID="$SERVER_PID"
  # Stopped on exit even if the second server fails to start.
  COMPARE_PIDS="$BEFORE_PID"
  start_server server-after env DATABASE_URL="$SMALL_URL" "$BIN" serve
  AFTER_URL="$URL" AFTER_PID="$SERVER_PID"
  COMPARE_PIDS="$BEFORE_PID $AFTER_PID"
  for scenario in get list create open; do
    [ -z "$ONLY" ] || want "$scenario" || continue
    conns="$CONNS" secs="$DURATION"
    case "$scenario" in
      get) label="get one task" ;;
      list) label="list 50 tasks" ;;
      create) label="create a task" ;;
      *) label="$OPEN_LABEL" conns="$OPEN_CONNS" secs="$OPEN_SECS" ;;
    esac
    BENCH_SESSIONS="$WORK/small-base.sessions" URL="$BEFORE_URL" warm_up "$scenario"
    BENCH_SESSIONS="$WORK/small.sessions" URL="$AFTER_URL" warm_up "$scenario"
    for c in $conns; do
      for round in $(seq 1 "$COMPARE_ROUNDS"); do
        order="before after"
        [ $((round % 2)) -eq 0 ] && order="after before"
        for variant in $order; do
          if [ "$variant" = before ]; then
            URL="$BEFORE_URL" SERVER_PID="$BEFORE_PID" BENCH_SESSIONS="$WORK/small-base.sessions"
          else
            URL="$AFTER_URL" SERVER_PID="$AFTER_PID" BENCH_SESSIONS="$WORK/small.sessions"
          fi
          bench "$variant-$scenario" "$label ($variant)" "$SMALL" "$c" "$scenario" "$secs"
        done
      done
    done
  done
  SERVER_PID=""
  for pid in $COMPARE_PIDS; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  COMPARE_PIDS=""
  server_errors server-before
  server_errors server-after
  # CPU time swings with whatever else the machine runs; instruction counts
  # do not (SQLite only: PostgreSQL's own work is in another process).
  if [ "$BACKEND" = sqlite ]; then
    log "before/after: instructions a request under callgrind (a few minutes)"
    python3 scripts/bench/instructions.py --requests 1000 \
      "before=$BASE_BIN,$WORK/small-base.db,$WORK/small-base.sessions" \
      "after=$BIN,$WORK/small.db,$WORK/small.sessions" >"$WORK/instructions.md"
  fi
fi

write_meta >"$META"

echo
if [ "$WRITE" -eq 1 ]; then
  python3 scripts/bench/report.py "$RESULTS" "$META" "$WORK/server-errors" --write BENCHMARKS.md
else
  python3 scripts/bench/report.py "$RESULTS" "$META" "$WORK/server-errors"
fi
if [ -s "$WORK/instructions.md" ]; then cat "$WORK/instructions.md"; fi
