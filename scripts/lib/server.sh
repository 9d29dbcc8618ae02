# shellcheck shell=bash
# Builds the server once and runs a throwaway instance of it for the client,
# contract and browser tests: a free port, a fresh SQLite database in a
# temporary directory, and bcrypt at its lowest cost so sign-ups are fast.
#
#   source scripts/lib/server.sh
#   server_start            # sets SERVER_URL (http://127.0.0.1:PORT)
#   ...
#   server_stop             # also safe to call from an EXIT trap
#
# Run from the repository root. TASKS_API_BIN may name a prebuilt binary.

# The debug binary, built now (a no-op after `cargo test`).
server_binary() {
  if [ -n "${TASKS_API_BIN:-}" ]; then
    echo "$TASKS_API_BIN"
    return
  fi
  cargo build --quiet --bin tasks-api >&2 || return 1
  local target_dir
  target_dir="$(cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
  echo "$target_dir/debug/tasks-api"
}

server_start() {
  local bin
  bin="$(server_binary)" || return 1
  SERVER_DIR="$(mktemp -d)"
  # The auth rate limits are raised so that a test that signs up or logs in
  # many times from one address (schemathesis does) is not cut off by 429s.
  # SERVER_AUTH_FAILURES_PER_EMAIL lowers the failed-login limit for a test
  # that wants to reach its 429.
  env APP_ENV=development \
    BIND_ADDR=127.0.0.1:0 \
    DATABASE_URL="sqlite://$SERVER_DIR/tasks.db" \
    JWT_SECRET="test-secret-that-is-at-least-32-bytes-long" \
    BCRYPT_COST=4 \
    AUTH_REQUESTS_PER_IP=1000000 \
    AUTH_FAILURES_PER_EMAIL="${SERVER_AUTH_FAILURES_PER_EMAIL:-1000000}" \
    LOG_FORMAT=json \
    RUST_LOG="${SERVER_RUST_LOG:-warn,tasks_api::startup=info}" \
    "$bin" serve >"$SERVER_DIR/server.log" 2>&1 </dev/null &
  SERVER_PID=$!

  local address="" _
  for _ in $(seq 1 300); do
    address="$(sed -n 's/.*"message":"listening","address":"\([^"]*\)".*/\1/p' "$SERVER_DIR/server.log" | head -n 1)"
    [ -n "$address" ] && break
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      echo "error: the server exited during start-up:" >&2
      cat "$SERVER_DIR/server.log" >&2
      return 1
    fi
    sleep 0.1
  done
  if [ -z "$address" ]; then
    echo "error: the server did not report its address within 30 s:" >&2
    cat "$SERVER_DIR/server.log" >&2
    return 1
  fi
  SERVER_URL="http://$address"
  export SERVER_URL
  echo "server listening on $SERVER_URL (log: $SERVER_DIR/server.log)"
}

# Stops the server and removes its database. Prints the server's log when
# the caller is failing, since that is where a 500's cause is.
server_stop() {
  local status=$?
  if [ -n "${SERVER_PID:-}" ]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
  fi
  if [ -n "${SERVER_DIR:-}" ]; then
    if [ "$status" -ne 0 ] && [ -s "$SERVER_DIR/server.log" ]; then
      echo "--- server log (last 50 lines) ---" >&2
      tail -n 50 "$SERVER_DIR/server.log" >&2
    fi
    rm -rf "$SERVER_DIR"
    SERVER_DIR=""
  fi
  return "$status"
}

# A fresh account on the running server; sets SERVER_TOKEN and SERVER_USER_ID.
server_sign_up() {
  local session
  session="$(python3 - "$SERVER_URL" <<'PY'
import json, sys, urllib.request, uuid
body = json.dumps({
    "email": f"client-{uuid.uuid4().hex}@example.com",
    "password": "correct horse battery staple",
}).encode()
request = urllib.request.Request(
    sys.argv[1] + "/api/auth/signup", data=body,
    headers={"Content-Type": "application/json"})
with urllib.request.urlopen(request, timeout=30) as response:
    session = json.load(response)
print(session["access_token"], session["user"]["id"])
PY
)"
  read -r SERVER_TOKEN SERVER_USER_ID <<<"$session"
  export SERVER_TOKEN SERVER_USER_ID
}
