#!/usr/bin/env bash
# A throwaway PgBouncer in transaction pooling mode, in front of the
# throwaway PostgreSQL of scripts/lib/postgres.sh: what Neon's pooled
# connection string is. Debian's pgbouncer (1.18) is installed when missing.
#
# Usage (after pg_start, from a bash script running with `set -euo pipefail`):
#
#   source scripts/lib/pgbouncer.sh
#   pgb_start                # exports PGB_URL (same user and database as PG_URL), PGB_PORT
#
# PGB_POOL_SIZE (default 20): server connections per database and user; a
# small one makes clients share them, as a busy pooler does.
# PGB_BIN: another pgbouncer binary (say, a newer one built from source);
# PGB_MAX_PREPARED_STATEMENTS: its protocol-level prepared statement support
# (1.21 on; Neon's pooler runs with it), off when unset.
#   trap 'pgb_stop; pg_stop' EXIT
#
# Version 1.18 pools transactions, knows nothing of protocol-level prepared
# statements and refuses startup parameters it does not track unless told to
# ignore them; sqlx sends `extra_float_digits`, which is harmless to drop. A
# `statement_timeout` (or any `options`) startup parameter is still refused,
# as Neon's pooler refuses it. Any database name is passed on to the server
# (`*`), so a test may create databases and reach them through the pooler.

_pgb_log() { printf 'pgbouncer.sh: %s\n' "$*" >&2; }

pgb_ensure_installed() {
  PGB_BIN="${PGB_BIN:-$(command -v pgbouncer || true)}"
  [ -n "$PGB_BIN" ] || PGB_BIN=/usr/sbin/pgbouncer
  if [ ! -x "$PGB_BIN" ]; then
    _pgb_log "pgbouncer not found; installing Debian package 'pgbouncer'"
    _pg_as_root apt-get update </dev/null || return 1
    _pg_as_root env DEBIAN_FRONTEND=noninteractive \
      apt-get install -y --no-install-recommends pgbouncer </dev/null || return 1
  fi
  export PGB_BIN
}

# Starts PgBouncer in $PG_DIR/pgbouncer on a free loopback port, in front of
# the server on PG_PORT. Exports PGB_URL and PGB_PORT.
pgb_start() {
  [ -n "${PG_DIR:-}" ] && [ -n "${PG_PORT:-}" ] || {
    _pgb_log "start PostgreSQL first (pg_start)"
    return 1
  }
  pgb_ensure_installed || return 1
  local dir="$PG_DIR/pgbouncer"
  _pg_run mkdir -p "$dir"
  PGB_PORT="$(free_port)" || return 1
  _pg_run tee "$dir/users.txt" >/dev/null <<<'"postgres" ""'
  _pg_run tee "$dir/pgbouncer.ini" >/dev/null <<INI
[databases]
* = host=127.0.0.1 port=$PG_PORT

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $PGB_PORT
unix_socket_dir =
auth_type = trust
auth_file = $dir/users.txt
pool_mode = transaction
ignore_startup_parameters = extra_float_digits
max_client_conn = 2000
default_pool_size = ${PGB_POOL_SIZE:-20}
server_idle_timeout = 10
${PGB_MAX_PREPARED_STATEMENTS:+max_prepared_statements = $PGB_MAX_PREPARED_STATEMENTS}
logfile = $dir/log
pidfile = $dir/pid
INI
  if ! _pg_run "$PGB_BIN" -d -q "$dir/pgbouncer.ini"; then
    _pgb_log "pgbouncer did not start; its log:"
    tail -n 20 "$dir/log" >&2 2>/dev/null || true
    return 1
  fi
  local _i
  for _i in $(seq 1 50); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$PGB_PORT") 2>/dev/null; then
      export PGB_PORT PGB_URL="postgres://postgres@127.0.0.1:$PGB_PORT/postgres"
      _pgb_log "PgBouncer $("$PGB_BIN" --version | awk 'NR==1{print $2}') (transaction pooling) at $PGB_URL"
      return 0
    fi
    sleep 0.1
  done
  _pgb_log "pgbouncer is not listening on $PGB_PORT"
  return 1
}

# Stops PgBouncer; safe to call when it never started. Always returns 0.
pgb_stop() {
  local pid_file="${PG_DIR:-}/pgbouncer/pid"
  if [ -n "${PG_DIR:-}" ] && [ -f "$pid_file" ]; then
    kill "$(cat "$pid_file")" 2>/dev/null || true
  fi
  unset PGB_URL PGB_PORT
  return 0
}
