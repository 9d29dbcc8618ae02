#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Several instances behind a load balancer, all on loopback: one throwaway
# PostgreSQL, three tasks-api processes (release build) sharing it and one
# JWT secret, and nginx (Debian's package, installed if missing) in front.
#
#   1. Mixed load through nginx; one instance is killed with SIGKILL in the
#      middle. Only requests in flight on the killed instance may fail (nginx
#      retries the rest on the others), and every acknowledged write is there
#      afterwards (creates without a clean answer are retried with their
#      Idempotency-Key: exactly one task each).
#   2. The killed instance is started again on its address and rejoins.
#   3. If-Match race between two instances: the same ETag sent to both at
#      once gives one 200 and one 412, every round.
#   4. The auth rate limits are shared: failed logins for one email spread
#      over the three instances lock it on all three; the per-address limit
#      counts the client address nginx appends to X-Forwarded-For
#      (TRUSTED_PROXIES=127.0.0.1), holds on every instance, and cannot be
#      dodged with a client-sent X-Forwarded-For.
#   5. Event streams (GET /api/{user_id}/events) across instances: one user's
#      stream on each instance and one through nginx; creates, updates and
#      deletes made through each instance in turn reach every stream once,
#      in order, within CLUSTER_STREAM_MAX_LATENCY seconds.
#   6. MCP: one user's tool calls (/mcp) spread over the three instances and
#      nginx (scripts/lib/mcp_cluster.py): a task added through one is listed
#      and read through the others, the version one gave is honoured (and
#      then stale) on another, and the REST lists agree.
#   7. Five streams through nginx while writes go through it; the instance
#      serving the most of them is killed with SIGKILL. Their clients
#      reconnect through nginx with Last-Event-ID, and in the end every
#      stream has every change exactly once, in order, as the change feed
#      lists it; only writes in flight on the killed instance may fail.
#      (nginx serves the streams unbuffered, with a long read timeout. Five:
#      MAX_STREAMS_PER_USER, so that the moved ones fit wherever they land.)
#
# Usage: scripts/cluster.sh      (under a minute once the release build exists)
#
# Settings (environment): CLUSTER_SECONDS (load after the kill and before it,
# default 5 each), CLUSTER_CONCURRENCY (default 16), CLUSTER_MAX_REQUESTS
# (default 40000), CLUSTER_RACE_ROUNDS (default 25), CLUSTER_STREAM_MAX_LATENCY
# (seconds from a write to its event, default 5), TASKS_API_BIN (a prebuilt
# server binary), NGINX_BIN (an nginx binary; default: nginx on PATH or
# /usr/sbin/nginx, installed with apt-get when missing), CLUSTER_FIGURES
# (write the figures as JSON to this file).
# Client source addresses 127.0.0.3 to 127.0.0.7 are used to tell clients
# apart (Linux routes all of 127.0.0.0/8 to loopback).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# shellcheck source=lib/postgres.sh
source scripts/lib/postgres.sh
# shellcheck source=lib/common.sh
source scripts/lib/common.sh

SECONDS_PER_PHASE="${CLUSTER_SECONDS:-5}"
CONCURRENCY="${CLUSTER_CONCURRENCY:-16}"
MAX_REQUESTS="${CLUSTER_MAX_REQUESTS:-40000}"
RACE_ROUNDS="${CLUSTER_RACE_ROUNDS:-25}"
FAILURES_PER_EMAIL=3
REQUESTS_PER_IP=40
LOAD=(python3 scripts/lib/load.py)
STREAMS=(python3 scripts/lib/streams.py)
STREAM_MAX_LATENCY="${CLUSTER_STREAM_MAX_LATENCY:-5}"

WORK="$(mktemp -d)"
chmod 755 "$WORK"
PIDS=()
NGINX_PID=""
LOAD_PID=""
STREAMS_PID=""
cleanup() {
  local status=$? pid
  [ -n "$LOAD_PID" ] && kill "$LOAD_PID" 2>/dev/null && wait "$LOAD_PID" 2>/dev/null
  [ -n "$STREAMS_PID" ] && kill "$STREAMS_PID" 2>/dev/null && wait "$STREAMS_PID" 2>/dev/null
  if [ -n "$NGINX_PID" ] && kill -0 "$NGINX_PID" 2>/dev/null; then
    kill -QUIT "$NGINX_PID" 2>/dev/null || true
    server_wait "$NGINX_PID" 10
    [ "$SERVER_STATUS" = timeout ] && kill -KILL "$NGINX_PID" 2>/dev/null
    wait "$NGINX_PID" 2>/dev/null || true
  fi
  for pid in "${PIDS[@]}"; do
    server_stop "$pid"
  done
  if [ "$status" -ne 0 ]; then
    dump_logs 20 "$WORK"/*.log
  fi
  pg_stop
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ensure_nginx() {
  if [ -n "${NGINX_BIN:-}" ]; then
    return 0
  fi
  NGINX_BIN="$(command -v nginx || true)"
  [ -z "$NGINX_BIN" ] && [ -x /usr/sbin/nginx ] && NGINX_BIN=/usr/sbin/nginx
  if [ -z "$NGINX_BIN" ]; then
    echo "nginx not found; installing Debian's package 'nginx'"
    local sudo=()
    [ "$(id -u)" -eq 0 ] || sudo=(sudo -n)
    "${sudo[@]}" apt-get update </dev/null
    # RUNLEVEL=1 keeps the package's own service from being started.
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 \
      apt-get install -y --no-install-recommends nginx </dev/null
    NGINX_BIN=/usr/sbin/nginx
  fi
}

section "building the release server; nginx"
TASKS_API="$(tasks_api_binary release)"
ensure_nginx
"$NGINX_BIN" -v

section "starting PostgreSQL"
pg_start
if command -v psql >/dev/null 2>&1; then PSQL=psql; else PSQL="$PG_BIN/psql"; fi
"$PSQL" "$PG_URL" -v ON_ERROR_STOP=1 -q -c "create database cluster"
DB_URL="postgres://postgres@127.0.0.1:$PG_PORT/cluster"

# What every instance shares. Migrations run once, before the instances
# start (as a deployment should do it): instances starting at the same
# moment on an empty database would race to create the same tables.
COMMON_ENV=(
  DATABASE_URL="$DB_URL"
  APP_ENV=production
  JWT_SECRET="cluster-test-secret-at-least-32-bytes-long"
  JWT_ISSUER=tasks-api-cluster
  JWT_AUDIENCE=tasks-api-cluster
  TRUSTED_PROXIES=127.0.0.1
  BCRYPT_COST=4
  AUTH_FAILURES_PER_EMAIL="$FAILURES_PER_EMAIL"
  AUTH_REQUESTS_PER_IP="$REQUESTS_PER_IP"
  DATABASE_MAX_CONNECTIONS=8
)
env "${COMMON_ENV[@]}" LOG_FORMAT=json RUST_LOG=warn "$TASKS_API" migrate up </dev/null

section "starting three instances"
ADDRS=()
for n in 1 2 3; do
  server_start "$WORK/instance-$n.log" "${COMMON_ENV[@]}"
  PIDS+=("$SERVER_PID")
  ADDRS+=("$SERVER_ADDR")
  echo "instance $n on http://$SERVER_ADDR (pid $SERVER_PID)"
done

section "starting nginx"
NGINX_DIR="$WORK/nginx"
mkdir -p "$NGINX_DIR/tmp"
chmod 777 "$NGINX_DIR/tmp"
NGINX_PORT="$(free_port)"
{
  cat <<EOF
daemon off;
master_process on;
worker_processes 1;
pid $NGINX_DIR/nginx.pid;
error_log $NGINX_DIR/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $NGINX_DIR/tmp/body;
  proxy_temp_path $NGINX_DIR/tmp/proxy;
  fastcgi_temp_path $NGINX_DIR/tmp/fastcgi;
  uwsgi_temp_path $NGINX_DIR/tmp/uwsgi;
  scgi_temp_path $NGINX_DIR/tmp/scgi;
  upstream tasks_api {
EOF
  for addr in "${ADDRS[@]}"; do
    echo "    server $addr max_fails=1 fail_timeout=5s;"
  done
  cat <<EOF
    keepalive 32;
  }
  server {
    listen 127.0.0.1:$NGINX_PORT;
    # Event streams: unbuffered, on HTTP/1.1, and held open for long (the
    # server sends a comment every 15 s). A stream whose instance dies ends;
    # its client reconnects with Last-Event-ID and lands on another one.
    location ~ ^/api/[^/]+/events\$ {
      proxy_pass http://tasks_api;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$host;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto \$scheme;
      proxy_buffering off;
      proxy_cache off;
      proxy_next_upstream error timeout;
      proxy_next_upstream_tries 3;
      proxy_connect_timeout 2s;
      proxy_read_timeout 1h;
      add_header X-Upstream \$upstream_addr always;
    }
    location / {
      proxy_pass http://tasks_api;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$host;
      # Appends the peer's address; the instances trust 127.0.0.1 (nginx)
      # and take the entry it appended as the client.
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto \$scheme;
      # A request that could not be sent, or got no answer in time, goes to
      # the next instance. nginx never resends a POST or PATCH that reached
      # an instance (non_idempotent is deliberately not set).
      proxy_next_upstream error timeout;
      proxy_next_upstream_tries 3;
      proxy_connect_timeout 2s;
      proxy_read_timeout 30s;
      # For this test only: which instance answered.
      add_header X-Upstream \$upstream_addr always;
    }
  }
}
EOF
} >"$NGINX_DIR/nginx.conf"
"$NGINX_BIN" -t -q -p "$NGINX_DIR" -e "$NGINX_DIR/error.log" -c "$NGINX_DIR/nginx.conf"
"$NGINX_BIN" -p "$NGINX_DIR" -e "$NGINX_DIR/error.log" -c "$NGINX_DIR/nginx.conf" \
  >"$WORK/nginx.log" 2>&1 </dev/null &
NGINX_PID=$!
PROXY="http://127.0.0.1:$NGINX_PORT"
"${LOAD[@]}" ready "$PROXY" --max-seconds 15
echo "nginx on $PROXY (pid $NGINX_PID)"

# ---------------------------------------------------------------------------
VICTIM=2
VICTIM_ADDR="${ADDRS[$((VICTIM - 1))]}"
section "1. mixed load through nginx; SIGKILL instance $VICTIM ($VICTIM_ADDR) after ${SECONDS_PER_PHASE} s"
"${LOAD[@]}" run --url "$PROXY" --journal "$WORK/load.json" --ready-file "$WORK/load.ready" \
  --stop-file "$WORK/load.stop" --users 6 --concurrency "$CONCURRENCY" \
  --max-requests "$MAX_REQUESTS" --max-seconds "$((2 * SECONDS_PER_PHASE + 30))" \
  --run-id cluster &
LOAD_PID=$!
for _ in $(seq 1 300); do
  [ -s "$WORK/load.ready" ] && break
  sleep 0.1
done
sleep "$SECONDS_PER_PHASE"
KILLED_AT="$(now)"
kill -KILL "${PIDS[$((VICTIM - 1))]}"
wait "${PIDS[$((VICTIM - 1))]}" 2>/dev/null || true
# The process dies over a few milliseconds after the signal (more on a busy
# machine): a request reaching it in between is in flight on it too.
GONE_AT="$(now)"
echo "  instance $VICTIM killed ($(python3 -c "print(round(($GONE_AT - $KILLED_AT) * 1000))") ms from SIGKILL to reaped)"
sleep "$SECONDS_PER_PHASE"
touch "$WORK/load.stop"
wait "$LOAD_PID"
LOAD_PID=""
"${LOAD[@]}" kill --journal "$WORK/load.json" --killed "$KILLED_AT" --gone "$GONE_AT" \
  --victim "$VICTIM_ADDR" \
  --concurrency "$CONCURRENCY" --figures "$WORK/kill-outcome.json" ||
  fail "requests failed that were not in flight on the killed instance"
"${LOAD[@]}" verify --url "$PROXY" --journal "$WORK/load.json" --figures "$WORK/figures.json" ||
  fail "acknowledged writes were lost or half-applied"

section "2. instance $VICTIM started again on $VICTIM_ADDR"
server_start "$WORK/instance-$VICTIM-again.log" "${COMMON_ENV[@]}" BIND_ADDR="$VICTIM_ADDR"
PIDS[VICTIM - 1]="$SERVER_PID"
"${LOAD[@]}" ready "http://$VICTIM_ADDR" --max-seconds 15

section "3. If-Match race between instance 1 and instance $VICTIM"
"${LOAD[@]}" race --a "http://${ADDRS[0]}" --b "http://$VICTIM_ADDR" --rounds "$RACE_ROUNDS" \
  --source 127.0.0.3 || fail "the If-Match race did not give one 200 and one 412"

section "4. auth rate limits shared by the instances (AUTH_FAILURES_PER_EMAIL=$FAILURES_PER_EMAIL, AUTH_REQUESTS_PER_IP=$REQUESTS_PER_IP)"
INSTANCE_URLS="$(printf 'http://%s,' "${ADDRS[@]}")"
"${LOAD[@]}" limits --instances "${INSTANCE_URLS%,}" --failures "$FAILURES_PER_EMAIL" \
  --proxy "$PROXY" --per-ip "$REQUESTS_PER_IP" \
  --email-source 127.0.0.4 --ip-source 127.0.0.5 --other-source 127.0.0.6 ||
  fail "the auth rate limits are not shared"

section "5. event streams: one user's stream on each instance and one through nginx"
"${STREAMS[@]}" fanout --instances "${INSTANCE_URLS%,}" --proxy "$PROXY" \
  --max-latency "$STREAM_MAX_LATENCY" --source 127.0.0.7 --figures "$WORK/streams-fanout.json" ||
  fail "a stream missed, repeated, reordered or was late with a write made through another instance"

section "6. MCP tool calls through every instance and nginx"
python3 scripts/lib/mcp_cluster.py --instances "${INSTANCE_URLS%,}" --proxy "$PROXY" ||
  fail "a tool call through one instance did not agree with another's"

section "7. SIGKILL an instance holding event streams; writes and reconnects through nginx"
"${STREAMS[@]}" survive --proxy "$PROXY" --streams 5 --max-latency "$STREAM_MAX_LATENCY" \
  --ready-file "$WORK/streams.ready" --killed-file "$WORK/streams.killed" --source 127.0.0.7 \
  --figures "$WORK/streams-kill.json" &
STREAMS_PID=$!
for _ in $(seq 1 300); do
  [ -s "$WORK/streams.ready" ] && break
  kill -0 "$STREAMS_PID" 2>/dev/null || break
  sleep 0.1
done
STREAM_VICTIM=""
if [ -s "$WORK/streams.ready" ]; then
  STREAM_VICTIM_ADDR="$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["victim"])' \
    "$WORK/streams.ready")"
  for n in 1 2 3; do
    if [ "${ADDRS[$((n - 1))]}" = "$STREAM_VICTIM_ADDR" ]; then STREAM_VICTIM="$n"; fi
  done
fi
if [ -n "$STREAM_VICTIM" ]; then
  sleep 1 # writes flowing before the kill
  KILLED_AT="$(now)"
  kill -KILL "${PIDS[$((STREAM_VICTIM - 1))]}"
  wait "${PIDS[$((STREAM_VICTIM - 1))]}" 2>/dev/null || true
  GONE_AT="$(now)"
  echo "{\"killed\": $KILLED_AT, \"gone\": $GONE_AT}" >"$WORK/streams.killed.tmp"
  mv "$WORK/streams.killed.tmp" "$WORK/streams.killed"
  echo "  instance $STREAM_VICTIM ($STREAM_VICTIM_ADDR) killed, serving streams through nginx"
else
  fail "the streams did not start, or their victim is not an instance"
  kill "$STREAMS_PID" 2>/dev/null || true
fi
wait "$STREAMS_PID" ||
  fail "after the kill, a stream lost, repeated or reordered a change, or a write failed that was not in flight on the killed instance"
STREAMS_PID=""

# ---------------------------------------------------------------------------
section "figures"
python3 - "$WORK" <<'PY'
import json, os, sys
w = sys.argv[1]
f = json.load(open(os.path.join(w, "figures.json")))
k = json.load(open(os.path.join(w, "kill-outcome.json")))
print(f"requests sent {f['sent']}, failed {f['failed'] + f['not_sent']} (in flight on the "
      f"killed instance: {k['failed_in_flight_on_killed']}), acknowledged writes "
      f"{f['acknowledged']}, acknowledged creates {f['acknowledged_creates']}, found "
      f"afterwards {f['found']}")
def optional(name):  # absent when its phase could not finish
    try:
        return json.load(open(os.path.join(w, name)))
    except (OSError, ValueError):
        return None
fan, sk = optional("streams-fanout.json"), optional("streams-kill.json")
if fan:
    print(f"streams on every instance: {fan['writes']} writes reached {fan['streams']} "
          f"streams, {fan['cross_instance']} of the deliveries from another instance, "
          f"max {fan['cross_max_ms']} ms")
if sk:
    print(f"streams across the kill: {sk['streams']} streams ({sk['on_victim']} on the killed "
          f"instance, {sk['reconnected']} reconnected), {sk['writes']} writes "
          f"({sk['writes_after_kill']} after the kill, {sk['failed']} failed in flight), "
          f"{sk['changes']} changes{'' if sk['problems'] else ', each received once by every stream'}"
          f"; delivery p99 {sk['p99_ms']} ms, max {sk['max_ms']} ms")
out = os.environ.get("CLUSTER_FIGURES")
if out:
    json.dump({"load": f, "kill": k, "streams_fanout": fan, "streams_kill": sk},
              open(out, "w"), indent=1)
PY

if [ "$FAILED" -ne 0 ]; then
  echo "cluster: FAILED" >&2
  exit 1
fi
echo "cluster: all checks passed"
