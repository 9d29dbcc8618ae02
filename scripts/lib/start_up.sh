# shellcheck shell=bash
# Starting the server binary once to see whether start-up succeeds, for the
# scripts that check what it says about its database (tls-test.sh,
# pooler-test.sh).
#
#   source scripts/lib/start_up.sh
#   start_up BIN LOG [NAME=VALUE...]   # 0: it listened (left running, pid in STARTED_PID); 1: it exited
#   stop_started                        # stops the one start_up left running
#
# The server runs with a fresh development configuration plus the given
# variables, on a free loopback port, logging JSON lines to LOG.

start_up() {
  local bin="$1" log="$2" _i
  shift 2
  : >"$log"
  env -u DATABASE_DIRECT_URL -u DATABASE_POOLED APP_ENV=development BIND_ADDR=127.0.0.1:0 \
    BCRYPT_COST=4 JWT_SECRET=start-up-check-secret-of-32-bytes!! RUST_BACKTRACE=0 LOG_FORMAT=json \
    RUST_LOG=info,sqlx=warn "$@" "$bin" >"$log" 2>&1 &
  STARTED_PID=$!
  for _i in $(seq 1 300); do
    if grep -q '"message":"listening"' "$log"; then
      STARTED_ADDR="$(grep -o '"address":"[^"]*"' "$log" | head -n 1 | cut -d'"' -f4)"
      return 0
    fi
    if ! kill -0 "$STARTED_PID" 2>/dev/null; then
      wait "$STARTED_PID" || true
      STARTED_PID=
      return 1
    fi
    sleep 0.1
  done
  echo "start_up: the server neither listened nor exited within 30 s" >&2
  stop_started
  return 1
}

stop_started() {
  if [ -n "${STARTED_PID:-}" ]; then
    kill "$STARTED_PID" 2>/dev/null || true
    wait "$STARTED_PID" 2>/dev/null || true
    STARTED_PID=
  fi
}
