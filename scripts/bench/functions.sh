# shellcheck shell=bash
# The building blocks of scripts/bench.sh, sourced by it: they read its
# settings and state ($WORK, $BIN, $URL, $SERVER_PID, $BACKEND, ...), set when
# they are called.

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
  # The seeder's ANALYZE leaves SQLite STAT4 samples, which a server's own
  # database never has (it runs no ANALYZE); with them SQLite replans every
  # statement that binds a user id, and the run would measure the planner.
  # The table statistics (sqlite_stat1) stay.
  if [ "$BACKEND" = sqlite ]; then
    python3 -c 'import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
if db.execute("SELECT 1 FROM sqlite_master WHERE name = ?", ("sqlite_stat4",)).fetchone():
    db.execute("DELETE FROM sqlite_stat4")
    db.commit()' "${url#sqlite://}"
  fi
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

# CPU clock ticks the whole server process has used so far (every thread):
# the difference over a run, divided by its requests, is the server's CPU
# per request, which the load generator sharing the cores does not skew as
# it skews throughput.
server_ticks() { awk '{print $14 + $15}' "/proc/$SERVER_PID/stat" 2>/dev/null || echo 0; }

# bench ID LABEL DB CONNS SCRIPT [DURATION]: one bounded wrk run (of
# --duration unless given), appended to RESULTS.
bench() {
  local id="$1" label="$2" db="$3" conns="$4" script="$5" secs="${6:-$DURATION}" out
  local timeout=5s hashed=- ticks
  if [ "$script" = login ]; then timeout="$LOGIN_TIMEOUT" hashed="$(hash_cpu)"; fi
  ticks="$(server_ticks)"
  out="$WORK/wrk-$id-$conns.out"
  reset_peak
  if [ "$script" = open ]; then
    python3 scripts/bench/open_loop.py "$URL" --sessions "$BENCH_SESSIONS" --rate "$OPEN_RATE" \
      --connections "$conns" --duration "${secs%s}" >"$out" 2>&1
  else
    wrk -t2 -c"$conns" -d"$secs" --timeout "$timeout" -s "$BENCH_LUA/$script.lua" "$URL" >"$out" 2>&1
  fi
  if [ "$hashed" != - ]; then hashed="$(hash_cpu_since "$hashed")"; fi
  ticks="$(($(server_ticks) - ticks))"
  record "$id" "$label" "$db" "$conns" "$out" "$(peak_kb)" "$hashed" "$ticks"
}

# record ID LABEL DB CONNS WRK_OUTPUT RSS_KB [HASH_CPU_S [SERVER_TICKS]]: one
# RESULTS row.
record() {
  local id="$1" label="$2" db="$3" conns="$4" out="$5" rss="$6" hashed="${7:--}" ticks="${8:--}" line
  line="$(grep '^RESULT ' "$out")" || { cat "$out" >&2; exit 1; }
  python3 - "$id" "$label" "$db" "$conns" "$rss" "$line" "$hashed" "$ticks" "$(getconf CLK_TCK)" >>"$RESULTS" <<'PY'
import sys
id_, label, db, conns, rss, line, hashed, ticks, tck = sys.argv[1:]
f = dict(kv.split("=", 1) for kv in line.split()[1:])
errors = sum(int(f[k]) for k in ("connect", "read", "write", "timeout"))
print("\t".join([id_, label, db, conns, f["requests"], f["duration_us"], f["p50_us"],
                 f["p99_us"], f["p999_us"], str(errors), f["non2xx"], f["statuses"], rss,
                 f["p95_us"], hashed,
                 "-" if ticks == "-" else f"{int(ticks) / int(tck) * 1e6 / max(int(f['requests']), 1):.1f}"]))
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

# Short untimed warm-up: connections, caches, the pool (the open loop's
# with the closed-loop mix of the same operations).
warm_up() {
  local script="$1"
  [ "$script" = open ] && script=mixed
  wrk -t2 -c64 -d2s -s "$BENCH_LUA/$script.lua" "$URL" >/dev/null 2>&1
}

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

# The run's machine, versions, conditions and seeding, as key=value lines
# for scripts/bench/report.py.
write_meta() {
  echo "backend=$BACKEND"
  echo "date=$(date -u +%Y-%m-%d)"
  echo "nproc=$(nproc)"
  echo "cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
  echo "memory=$(awk '/^MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)"
  echo "kernel=Linux $(uname -r)"
  echo "rustc=$(rustc --version)"
  echo "wrk=$(wrk -v 2>&1 | head -n 1 | awk '{print $1, $2}')"
  command -v oha >/dev/null && echo "oha=$(oha --version | head -n 1)"
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
  return 0
}
