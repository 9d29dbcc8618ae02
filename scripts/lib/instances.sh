# shellcheck shell=bash
# Real server processes for the failure tests (scripts/chaos.sh,
# scripts/cluster.sh): the release binary, built once, started on free
# loopback ports with whatever environment a test gives it.
#
#   source scripts/lib/instances.sh
#   TASKS_API="$(release_binary)"
#   instance_start LOGFILE VAR=VALUE...   # sets INSTANCE_PID, INSTANCE_ADDR
#   instance_stop PID                     # SIGTERM, wait (bounded), SIGKILL
#   now                                   # seconds since the epoch, as a float
#
# Run from the repository root. TASKS_API_BIN may name a prebuilt binary.
# Only processes started here are ever signalled, by their PID.

now() { date +%s.%N; }

release_binary() {
  if [ -n "${TASKS_API_BIN:-}" ]; then
    echo "$TASKS_API_BIN"
    return
  fi
  cargo build --release --quiet --bin tasks-api >&2 || return 1
  local target_dir
  target_dir="$(cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
  echo "$target_dir/release/tasks-api"
}

# instance_start LOGFILE [VAR=VALUE...]: BIND_ADDR defaults to a free
# loopback port; the address is read back from the "listening" log line.
instance_start() {
  local log="$1"
  shift
  : >"$log"
  env BIND_ADDR=127.0.0.1:0 LOG_FORMAT=json \
    RUST_LOG="${INSTANCE_RUST_LOG:-warn,tasks_api::startup=info}" \
    "$@" "$TASKS_API" serve >"$log" 2>&1 </dev/null &
  INSTANCE_PID=$!
  INSTANCE_ADDR=""
  local _
  for _ in $(seq 1 300); do
    INSTANCE_ADDR="$(sed -n 's/.*"message":"listening".*"address":"\([^"]*\)".*/\1/p' "$log" | head -n 1 || true)"
    [ -n "$INSTANCE_ADDR" ] && return 0
    if ! kill -0 "$INSTANCE_PID" 2>/dev/null; then
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

# instance_wait PID SECONDS: waits for a child of this shell to exit; sets
# INSTANCE_STATUS to its exit status, or to "timeout". (Not usable inside
# $(...): a subshell cannot wait for its parent's children.)
instance_wait() {
  local pid="$1" limit="$2" _
  INSTANCE_STATUS=0
  for _ in $(seq 1 $((limit * 10))); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    INSTANCE_STATUS=timeout
    return 0
  fi
  wait "$pid" 2>/dev/null || INSTANCE_STATUS=$?
}

# instance_stop PID: SIGTERM, up to 40 s to drain, then SIGKILL. Safe to call
# for a process that already exited.
instance_stop() {
  local pid="$1"
  [ -n "$pid" ] || return 0
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    instance_wait "$pid" 40
    if [ "$INSTANCE_STATUS" = timeout ]; then
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  wait "$pid" 2>/dev/null || true
}

# Prints the tail of every non-empty log matching the given paths to stderr
# (used by the scripts' cleanup after a failed run).
dump_logs() {
  local lines="$1" log
  shift
  for log in "$@"; do
    [ -s "$log" ] || continue
    echo "--- $(basename "$log") (last $lines lines) ---" >&2
    tail -n "$lines" "$log" >&2
  done
}
