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
#   scripts/bench.sh --only "IDS"    # only the named scenarios (see below)
#   scripts/bench.sh --only streams  # only the live-stream scenario (~1 min; add
#                                    # --postgres for PostgreSQL)
#
# Options: --duration 10s (per wrk run), --conns "64 1000", --users N
# (seeded users of the main database, 100 tasks each), --scale-users N (users
# of the scale database: 10000 = 1M tasks; 0 skips it), --only "IDS": run
# only these of ceiling, live, get, list, patch, mixed, create, login, open,
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
# connection count, then the open loop (1000 connections, each sending about
# one request a second: scripts/bench/open.lua) for twice --duration, then
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
# (AUTH_REQUESTS_PER_IP, AUTH_FAILURES_PER_EMAIL): every request comes from
# 127.0.0.1, and measuring the limiter's 429s is not the point. Everything
# else is the server's default, with APP_ENV=production (JSON logs, request
# log at INFO) written to a file.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
# shellcheck source=lib/common.sh
source scripts/lib/common.sh

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
export APP_ENV=production
export BENCH_LUA="$ROOT/scripts/bench"

if [ "$BACKEND" = postgres ]; then
  # shellcheck source=lib/postgres.sh
  source scripts/lib/postgres.sh
  pg_start
  PSQL="$PG_BIN/psql"
  command -v psql >/dev/null && PSQL=psql
fi

# A new, empty database for one phase; prints its URL.
database() {
  local name="$1"
  if [ "$BACKEND" = postgres ]; then
    "$PSQL" "$PG_URL" -q -v ON_ERROR_STOP=1 -c "CREATE DATABASE bench_$name" >&2
    echo "${PG_URL%/*}/bench_$name"
  else
    echo "sqlite://$WORK/$name.db"
  fi
}

# seed NAME URL USERS: seeds, writes $WORK/NAME.sessions, prints the timing.
seed() {
  local name="$1" url="$2" users="$3"
  # The real cost (12): hashed once, shared by every seeded user, so that
  # the login scenario pays what a real login pays.
  DATABASE_URL="$url" RUST_LOG=warn "$BIN" seed --users "$users" \
    --tasks-per-user "$TASKS_PER_USER" --password-cost 12 \
    --sessions-out "$WORK/$name.sessions" 2>"$WORK/seed-$name.log" | tail -n 1
}

# start_server NAME COMMAND...: starts it on a free port (its log in
# $WORK/NAME.log, its request log at INFO for server_errors), sets URL.
start_server() {
  local name="$1"
  shift
  SERVER_RUST_LOG="info,sqlx=warn,sea_orm=warn" server_start "$WORK/$name.log" -- "$@" ||
    die "$name did not start"
  URL="$SERVER_URL"
}

stop_server() {
  kill "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}

# The server's non-2xx answers by operation, status and problem code, from
# its request log (for the notes under the table).
server_errors() {
  python3 - "$WORK/$1.log" "$1" >>"$WORK/server-errors" <<'PY'
import collections, json, sys
counts = collections.Counter()
for line in open(sys.argv[1], errors="ignore"):
    if '"status"' not in line:
        continue
    try:
        event = json.loads(line)
    except ValueError:
        continue
    status = event.get("status")
    if event.get("message") == "request" and isinstance(status, int) and status >= 300:
        counts[(event.get("operation", "?"), status)] += 1
for (operation, status), n in sorted(counts.items()):
    print(f"{sys.argv[2]}: {operation} answered {status} x{n}")
PY
}

# Peak RSS per scenario: writing 5 to clear_refs resets VmHWM.
reset_peak() { echo 5 >"/proc/$SERVER_PID/clear_refs" 2>/dev/null || true; }
peak_kb() { awk '/^VmHWM/ {print $2}' "/proc/$SERVER_PID/status" 2>/dev/null || echo "-"; }

# CPU seconds the server's hashing threads (bcrypt-N) have used so far:
# the difference over a login run shows how much of the cores hashed.
hash_cpu() {
  { cat "/proc/$SERVER_PID"/task/*/stat 2>/dev/null || true; } |
    awk -v tck="$(getconf CLK_TCK)" '$2 ~ /^\(bcrypt-/ {t += $14 + $15} END {printf "%.2f\n", t / tck}'
}
hash_cpu_since() { awk -v a="$1" -v b="$(hash_cpu)" 'BEGIN {printf "%.2f\n", b - a}'; }

# bench ID LABEL DB CONNS SCRIPT [DURATION]: one bounded wrk run (of
# --duration unless given), appended to RESULTS.
bench() {
  local id="$1" label="$2" db="$3" conns="$4" script="$5" secs="${6:-$DURATION}" out
  local timeout=5s hashed=-
  if [ "$script" = login ]; then timeout="$LOGIN_TIMEOUT" hashed="$(hash_cpu)"; fi
  out="$WORK/wrk-$id-$conns.out"
  reset_peak
  wrk -t2 -c"$conns" -d"$secs" --timeout "$timeout" -s "$BENCH_LUA/$script.lua" "$URL" >"$out" 2>&1
  if [ "$hashed" != - ]; then hashed="$(hash_cpu_since "$hashed")"; fi
  record "$id" "$label" "$db" "$conns" "$out" "$(peak_kb)" "$hashed"
}

# record ID LABEL DB CONNS WRK_OUTPUT RSS_KB [HASH_CPU_S]: one RESULTS row.
record() {
  local id="$1" label="$2" db="$3" conns="$4" out="$5" rss="$6" hashed="${7:--}" line
  line="$(grep '^RESULT ' "$out")" || { cat "$out" >&2; exit 1; }
  python3 - "$id" "$label" "$db" "$conns" "$rss" "$line" "$hashed" >>"$RESULTS" <<'PY'
import sys
id_, label, db, conns, rss, line, hashed = sys.argv[1:]
f = dict(kv.split("=", 1) for kv in line.split()[1:])
errors = sum(int(f[k]) for k in ("connect", "read", "write", "timeout"))
print("\t".join([id_, label, db, conns, f["requests"], f["duration_us"], f["p50_us"],
                 f["p99_us"], f["p999_us"], str(errors), f["non2xx"], f["statuses"], rss,
                 f["p95_us"], hashed]))
PY
  tail -n 1 "$RESULTS" | awk -F'\t' '{printf "   %-28s %5s conns  %8.0f req/s  p99 %6.1f ms  errors %s  non-2xx %s  rss %s kB%s\n",
    $2, $4, $5 / ($6 / 1e6), $8 / 1000, $10, $11, $13, ($15 == "-" ? "" : "  hashing " $15 " s CPU")}' >&2
}

# login_once: one login as seed-0; prints its status and its time in ms.
login_once() {
  { curl -s -o /dev/null --max-time 35 -w '%{http_code} %{time_total}\n' \
    -H 'Content-Type: application/json' \
    -d '{"email":"seed-0@example.com","password":"seeded-password"}' \
    "$URL/api/auth/login" || true; } | awk '{printf "%s %.0f\n", $1, $2 * 1000}'
}

# One hash's time, for the bcrypt limit (cores / one hash's time): the
# quickest of 5 sequential logins on the idle server (a login's database
# work is ~1 ms against ~230 ms of bcrypt at cost 12).
HASH_MS=""
measure_hash() {
  local code ms best=""
  for _ in 1 2 3 4 5; do
    read -r code ms <<<"$(login_once)"
    [ "$code" = 200 ] || { echo "error: a probe login was answered $code" >&2; exit 1; }
    if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best="$ms"; fi
  done
  HASH_MS="$best"
  awk -v ms="$HASH_MS" -v cores="$(nproc)" 'BEGIN {printf "   one hash: %d ms (the quickest of 5 logins); bcrypt limit %.1f logins/s on %d cores\n",
    ms, cores * 1000 / ms, cores}' >&2
}

# Waits until the logins an earlier run left queued are done: until a probe
# login is answered 200 within twice one hash's time (at most 60 s).
drain_logins() {
  local code ms end=$((SECONDS + 60))
  [ -n "$HASH_MS" ] || return 0
  for _ in $(seq 1 120); do
    read -r code ms <<<"$(login_once)"
    if [ "$code" = 200 ] && [ "$ms" -le $((HASH_MS * 2)) ]; then return 0; fi
    [ "$SECONDS" -lt "$end" ] || break
    sleep 0.5
  done
  echo "   (the login queue was not drained after 60 s; going on)" >&2
}

# scenario ID ...: `bench ID ...` if --only (if given) names ID.
scenario() { if want "$1"; then bench "$@"; fi; }

# Short untimed warm-up: connections, caches, the pool.
warm_up() { wrk -t2 -c64 -d2s -s "$BENCH_LUA/$1.lua" "$URL" >/dev/null 2>&1; }

# The live-stream scenario: its own database with enough seeded users,
# its own server with MAX_STREAMS_PER_USER set to --streams-per-user.
STREAMS_SUMMARY=""
streams_scenario() {
  local users=$(((STREAMS + STREAMS_PER_USER - 1) / STREAMS_PER_USER)) url
  log "live streams: $STREAMS event streams, $STREAMS_PER_USER for each of $users users"
  url="$(database streams)"
  echo "   $(seed streams "$url" "$users")" >&2
  start_server server-streams env DATABASE_URL="$url" MAX_STREAMS_PER_USER="$STREAMS_PER_USER" \
    "$BIN" serve
  python3 scripts/bench/streams.py --url "$URL" --pid "$SERVER_PID" \
    --sessions "$WORK/streams.sessions" --streams "$STREAMS" --per-user "$STREAMS_PER_USER" \
    --out "$WORK/streams.json" || echo "   (some streams failed to open or missed events)" >&2
  stop_server
  server_errors server-streams
  STREAMS_SUMMARY="$(python3 - "$WORK/streams.json" <<'PY'
import json, sys
f = json.load(open(sys.argv[1]))
print(f"{f['streams']} streams ({f['per_user']} per user, {f['open_failures']} failed to open), "
      f"server RSS {f['rss_before_kb'] / 1024:.0f} -> {f['rss_open_kb'] / 1024:.0f} MB "
      f"= {f['kb_per_stream']} kB a stream; {f['writes']} writes at {f['rate']:g}/s: "
      f"{f['deliveries']}/{f['expected_deliveries']} events ({f['unexpected_events']} "
      f"unexpected, {f['streams_closed']} streams closed early), write to event p50 "
      f"{f['delivery_p50_ms']} ms, p95 {f['delivery_p95_ms']}, p99 {f['delivery_p99_ms']}, "
      f"max {f['delivery_max_ms']}; server CPU {f['server_cpu_ms_per_write']} ms a write "
      f"({f['server_cpu_ms_per_write_no_streams']} ms with no stream open), "
      f"{f['server_cpu_idle_percent']} % of a core idle")
PY
)" || STREAMS_SUMMARY="no figures (the scenario failed; see above)"
}

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
  scenario patch "patch a task" "$SMALL" "$c" patch
  scenario mixed "mixed 50/30/10/10" "$SMALL" "$c" mixed
  scenario create "create a task" "$SMALL" "$c" create
  if want login; then
    bench login "login (bcrypt 12)" "$SMALL" "$c" login
    drain_logins
  fi
done

# Open loop: a fixed rate, not as fast as the server answers. Twice the
# usual duration, for enough samples in the tail (about 1000 a second).
OPEN_SECS="$((${DURATION%s} * 2))s"
if want open; then
  log "open loop: $OPEN_CONNS connections, about one request a second each, for $OPEN_SECS"
  bench open "open loop, ~1 req/s per conn" "$SMALL" "$OPEN_CONNS" open "$OPEN_SECS"
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
  # Both servers run side by side on the main database (an idle one costs
  # nothing); each scenario runs on them in turn, the order swapped every
  # round, and the reads come before any create, so that neither side reads
  # rows the other has just written (PostgreSQL's first read of new rows
  # pays for them).
  export BENCH_SESSIONS="$WORK/small.sessions" BENCH_USERS="$USERS"
  log "before/after: $COMPARE against this build, alternating, on the same database"
  start_server server-before env DATABASE_URL="$SMALL_URL" "$BASE_BIN" serve
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
      *) label="open loop, ~1 req/s per conn" conns="$OPEN_CONNS" secs="$OPEN_SECS" ;;
    esac
    for url in "$BEFORE_URL" "$AFTER_URL"; do URL="$url" warm_up "$scenario"; done
    for c in $conns; do
      for round in $(seq 1 "$COMPARE_ROUNDS"); do
        order="before after"
        [ $((round % 2)) -eq 0 ] && order="after before"
        for variant in $order; do
          if [ "$variant" = before ]; then URL="$BEFORE_URL" SERVER_PID="$BEFORE_PID"; else URL="$AFTER_URL" SERVER_PID="$AFTER_PID"; fi
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
fi

{
  echo "backend=$BACKEND"
  echo "date=$(date -u +%Y-%m-%d)"
  echo "nproc=$(nproc)"
  echo "cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
  echo "memory=$(awk '/^MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)"
  echo "kernel=Linux $(uname -r)"
  echo "rustc=$(rustc --version)"
  echo "wrk=$(wrk -v 2>&1 | head -n 1 | awk '{print $1, $2}')"
  echo "sqlite=$(python3 - <<'PY'
import glob, os, re
# The SQLite that sqlx bundles: the amalgamation of the libsqlite3-sys
# version in Cargo.lock.
lock = open("Cargo.lock").read()
m = re.search(r'name = "libsqlite3-sys"\nversion = "([^"]+)"', lock)
home = os.environ.get("CARGO_HOME", os.path.expanduser("~/.cargo"))
found = "?"
if m:
    for path in glob.glob(f"{home}/registry/src/*/libsqlite3-sys-{m.group(1)}/sqlite3/sqlite3.h"):
        v = re.search(r'#define SQLITE_VERSION\s+"([^"]+)"', open(path, errors="ignore").read())
        if v:
            found = v.group(1)
            break
print(found)
PY
)"
  if [ "$BACKEND" = postgres ]; then
    echo "postgres=$("$PG_BIN/postgres" --version | sed 's/postgres (PostgreSQL)/PostgreSQL/')"
  fi
  echo "load_before=$LOAD_BEFORE"
  echo "load_after=$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "command=scripts/bench.sh${ORIGINAL_ARGS:+ $ORIGINAL_ARGS}"
  echo "duration=$DURATION"
  echo "open_duration=$OPEN_SECS"
  echo "login_timeout=$LOGIN_TIMEOUT"
  [ -n "$HASH_MS" ] && echo "hash_ms=$HASH_MS"
  cat "$WORK/bursts"
  [ -n "$COMPARE" ] && echo "compare=$COMPARE ($(git rev-parse --short "$COMPARE")), $COMPARE_ROUNDS alternating rounds"
  echo "seed_small=$SEED_SMALL"
  [ -n "$STREAMS_SUMMARY" ] && echo "streams=$STREAMS_SUMMARY"
  [ -n "$SEED_LARGE" ] && echo "seed_large=$SEED_LARGE"
} >"$META"

echo
if [ "$WRITE" -eq 1 ]; then
  python3 scripts/bench/report.py "$RESULTS" "$META" "$WORK/server-errors" --write BENCHMARKS.md
else
  python3 scripts/bench/report.py "$RESULTS" "$META" "$WORK/server-errors"
fi
