# shellcheck shell=bash
# The scripts' one shell library: stopping with a message, free loopback
# ports, the server binary, starting and stopping servers, and the pinned
# Python tools. Every script under scripts/ sources it.
#
#   source scripts/lib/common.sh
#   die MESSAGE                         # prints "SCRIPT: MESSAGE" and exits 1
#   loopback_only URL                   # dies unless URL's host is on 127.0.0.0/8
#   free_port                           # a free TCP port on 127.0.0.1
#   now                                 # seconds since the epoch, as a float
#   section TITLE / fail MESSAGE        # a step's heading; a failed check (sets FAILED=1)
#   TASKS_API="$(tasks_api_binary release)"     # or debug (the default)
#   server_start LOG [VAR=VALUE...] [-- COMMAND...]
#                                       # sets SERVER_PID, SERVER_ADDR, SERVER_URL
#   server_wait PID SECONDS             # sets SERVER_STATUS (exit status or "timeout")
#   server_stop PID                     # SIGTERM, up to 40 s, then SIGKILL
#   dump_logs LINES FILE...             # the tails of non-empty logs, to stderr
#   test_server_start / test_server_stop / test_server_sign_up
#                                       # the throwaway debug server of the client,
#                                       # contract, browser and abuse tests
#   python_venv DIR REQUIREMENTS        # a virtualenv holding exactly those pins
#
# Run from the repository root. TASKS_API_BIN may name a prebuilt binary.
# Only processes started here are ever signalled, by their PID.

die() {
  echo "$(basename "$0"): $*" >&2
  exit 1
}

now() { date +%s.%N; }

# section TITLE: a heading between a script's steps.
section() { printf '\n--- %s\n' "$*"; }

# fail MESSAGE: a failed check; the script goes on to its next one and ends
# with exit status 1 when FAILED is set.
FAILED=0
fail() {
  echo "$(basename "$0" .sh): FAIL: $*" >&2
  FAILED=1
}

free_port() {
  python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# Load and attacks go to this machine only.
loopback_only() {
  local host
  host="$(python3 -c 'import socket, sys, urllib.parse
print(socket.gethostbyname(urllib.parse.urlsplit(sys.argv[1]).hostname or ""))' "$1" 2>/dev/null)" ||
    die "cannot resolve the host of $1"
  case "$host" in
    127.*) ;;
    *) die "refusing to send load to $1: loopback (127.0.0.0/8) only" ;;
  esac
}

# tasks_api_binary [debug|release]: builds it (a no-op when fresh) and
# prints its path; TASKS_API_BIN, when set, is used as it is.
tasks_api_binary() {
  local profile="${1:-debug}" target_dir
  if [ -n "${TASKS_API_BIN:-}" ]; then
    echo "$TASKS_API_BIN"
    return
  fi
  if [ "$profile" = release ]; then
    cargo build --release --quiet --bin tasks-api >&2 || return 1
  else
    cargo build --quiet --bin tasks-api >&2 || return 1
  fi
  target_dir="$(cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
  echo "$target_dir/$profile/tasks-api"
}

# server_start LOG [VAR=VALUE...] [-- COMMAND...]: runs COMMAND (default:
# "$TASKS_API serve") with BIND_ADDR on a free loopback port unless given,
# JSON logs, and the given variables, then reads the bound address back from
# its "listening" log line (tasks-api's JSON one, or a plain "listening on
# ADDR"). Waits at most 30 s.
server_start() {
  local log="$1" vars=() _
  shift
  while [ $# -gt 0 ] && [ "$1" != -- ]; do
    vars+=("$1")
    shift
  done
  [ "${1:-}" = -- ] && shift
  [ $# -gt 0 ] || set -- "$TASKS_API" serve
  : >"$log"
  env BIND_ADDR=127.0.0.1:0 LOG_FORMAT=json \
    RUST_LOG="${SERVER_RUST_LOG:-warn,tasks_api::startup=info}" \
    "${vars[@]}" "$@" >"$log" 2>&1 </dev/null &
  SERVER_PID=$!
  SERVER_ADDR=""
  for _ in $(seq 1 300); do
    SERVER_ADDR="$(sed -n -e 's/.*"message":"listening".*"address":"\([^"]*\)".*/\1/p' \
      -e 's/.* listening on \([0-9.]*:[0-9]*\).*/\1/p' "$log" | head -n 1 || true)"
    if [ -n "$SERVER_ADDR" ]; then
      SERVER_URL="http://$SERVER_ADDR"
      return 0
    fi
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      echo "error: the server exited during start-up:" >&2
      tail -n 30 "$log" >&2
      return 1
    fi
    sleep 0.1
  done
  echo "error: the server did not report its address within 30 s:" >&2
  tail -n 30 "$log" >&2
  return 1
}

# server_wait PID SECONDS: waits for a child of this shell to exit; sets
# SERVER_STATUS to its exit status, or to "timeout". (Not usable inside
# $(...): a subshell cannot wait for its parent's children.)
server_wait() {
  local pid="$1" limit="$2" _
  SERVER_STATUS=0
  for _ in $(seq 1 $((limit * 10))); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    SERVER_STATUS=timeout
    return 0
  fi
  wait "$pid" 2>/dev/null || SERVER_STATUS=$?
}

# server_stop PID: SIGTERM, up to 40 s to drain, then SIGKILL. Safe to call
# for a process that already exited, or with no PID.
server_stop() {
  local pid="${1:-}"
  [ -n "$pid" ] || return 0
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    server_wait "$pid" 40
    if [ "$SERVER_STATUS" = timeout ]; then
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  wait "$pid" 2>/dev/null || true
}

dump_logs() {
  local lines="$1" log
  shift
  for log in "$@"; do
    [ -s "$log" ] || continue
    echo "--- $(basename "$log") (last $lines lines) ---" >&2
    tail -n "$lines" "$log" >&2
  done
}

# The throwaway server of the client, contract, browser and abuse tests:
# the debug build, a fresh SQLite database in a temporary directory, bcrypt
# at its lowest cost so sign-ups are fast, and the auth rate limits raised so
# that a test signing up or logging in many times from one address
# (schemathesis does) is not cut off by 429s. SERVER_AUTH_FAILURES_PER_EMAIL
# lowers the failed-login limit for a test that wants to reach its 429. The
# caller's environment is passed on (abuse.sh sets the limits it attacks so).
# SERVER_DATABASE_URL names another (empty) database instead, e.g. a
# PostgreSQL one; SERVER_SEED_ARGS (`tasks-api seed` options) fills it first,
# and SERVER_SEEDED_SESSIONS is then the seeded users' sessions file.
test_server_start() {
  TASKS_API="$(tasks_api_binary debug)" || return 1
  TEST_SERVER_DIR="$(mktemp -d)"
  local db="${SERVER_DATABASE_URL:-sqlite://$TEST_SERVER_DIR/tasks.db}"
  local secret="test-secret-that-is-at-least-32-bytes-long"
  if [ -n "${SERVER_SEED_ARGS:-}" ]; then
    SERVER_SEEDED_SESSIONS="$TEST_SERVER_DIR/seeded.sessions"
    # shellcheck disable=SC2086 # the options are words
    env DATABASE_URL="$db" JWT_SECRET="$secret" RUST_LOG=warn \
      "$TASKS_API" seed $SERVER_SEED_ARGS --sessions-out "$SERVER_SEEDED_SESSIONS" \
      >"$TEST_SERVER_DIR/seed.log" 2>&1 || {
      tail -n 20 "$TEST_SERVER_DIR/seed.log" >&2
      return 1
    }
    export SERVER_SEEDED_SESSIONS
  fi
  server_start "$TEST_SERVER_DIR/server.log" APP_ENV=development \
    DATABASE_URL="$db" \
    JWT_SECRET="$secret" \
    BCRYPT_COST=4 \
    AUTH_REQUESTS_PER_IP=1000000 \
    AUTH_FAILURES_PER_EMAIL="${SERVER_AUTH_FAILURES_PER_EMAIL:-1000000}" || return 1
  export SERVER_URL
  echo "server listening on $SERVER_URL (log: $TEST_SERVER_DIR/server.log)"
}

# Stops it and removes its database; for an EXIT trap. Prints the server's
# log when the caller is failing, since that is where a 500's cause is.
test_server_stop() {
  local status=$?
  server_stop "${SERVER_PID:-}"
  SERVER_PID=""
  if [ -n "${TEST_SERVER_DIR:-}" ]; then
    if [ "$status" -ne 0 ]; then
      dump_logs 50 "$TEST_SERVER_DIR/server.log"
    fi
    rm -rf "$TEST_SERVER_DIR"
    TEST_SERVER_DIR=""
  fi
  return "$status"
}

# A fresh account on the running server; sets SERVER_TOKEN and SERVER_USER_ID.
test_server_sign_up() {
  local session
  session="$(python3 scripts/lib/helpers.py sign-up "$SERVER_URL")" || return 1
  read -r SERVER_TOKEN SERVER_USER_ID <<<"$session"
  export SERVER_TOKEN SERVER_USER_ID
}

# python_venv DIR REQUIREMENTS: DIR holds a virtualenv with exactly the
# pinned packages of REQUIREMENTS (installed without resolving, since the
# file pins every dependency), made again whenever the file changes.
python_venv() {
  local dir="$1" requirements="$2"
  if [ -x "$dir/bin/python" ] && cmp -s "$requirements" "$dir/requirements.installed"; then
    return 0
  fi
  rm -rf "$dir"
  python3 -m venv "$dir"
  "$dir/bin/pip" install --quiet --disable-pip-version-check --no-deps -r "$requirements"
  cp "$requirements" "$dir/requirements.installed"
}
