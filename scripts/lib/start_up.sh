# shellcheck shell=bash
# Starting the server binary once to see whether start-up succeeds, for the
# scripts that check what it says about its database (tls-test.sh,
# pooler-test.sh). Built on common.sh's server_start.
#
#   source scripts/lib/common.sh; source scripts/lib/start_up.sh
#   start_up BIN LOG [NAME=VALUE...]   # 0: it listened (left running, pid in STARTED_PID); 1: it exited
#   stop_started                        # stops the one start_up left running
#
# The server runs with a fresh development configuration plus the given
# variables, on a free loopback port, logging JSON lines to LOG.

start_up() {
  local bin="$1" log="$2"
  shift 2
  STARTED_PID=
  if SERVER_RUST_LOG=info,sqlx=warn server_start "$log" APP_ENV=development BCRYPT_COST=4 \
    JWT_SECRET=start-up-check-secret-of-32-bytes!! RUST_BACKTRACE=0 "$@" -- "$bin" serve 2>/dev/null; then
    STARTED_PID="$SERVER_PID"
    STARTED_ADDR="$SERVER_ADDR"
    return 0
  fi
  wait "$SERVER_PID" 2>/dev/null || true
  return 1
}

stop_started() {
  server_stop "${STARTED_PID:-}"
  STARTED_PID=
}
