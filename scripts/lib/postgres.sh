#!/usr/bin/env bash
# Throwaway PostgreSQL cluster on loopback, for tests.
#
# Usage (from a bash script running with `set -euo pipefail`):
#
#   source scripts/lib/postgres.sh
#   pg_start                 # exports PG_URL, PG_DIR, PG_PORT, PG_BIN
#   trap pg_stop EXIT        # stops the server and deletes its directory
#   pg_halt immediate; pg_resume   # an outage: stop the server, start it again
#
# pg_start installs Debian's `postgresql` package if no server binaries are
# found under /usr/lib/postgresql/*/bin (set PG_BIN to use binaries elsewhere).
# It never touches the distribution's own cluster (no pg_ctlcluster, no
# systemd): it runs initdb in a fresh temporary directory and starts a private
# server on a free 127.0.0.1 port with trust auth and durability switched off.
# When running as root the server runs as the `postgres` OS user, because
# initdb and postgres refuse to run as root.
#
# Executed directly (`bash scripts/lib/postgres.sh`) it runs a self-test:
# start, `select 1`, stop.
#
# This file is meant to be sourced, so it deliberately does not change the
# caller's shell options; every function works under `set -euo pipefail`.

_pg_log() { printf 'postgres.sh: %s\n' "$*" >&2; }

_pg_is_root() { [ "$(id -u)" -eq 0 ]; }

# Newest PostgreSQL server bin dir under /usr/lib/postgresql, or nothing.
_pg_find_bin() {
  local d best=""
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] || continue
    best+="$d"$'\n'
  done
  [ -n "$best" ] || return 0
  printf '%s' "$best" | sort -V | tail -n 1
}

# Run a command with root privileges (directly if root, else via sudo).
_pg_as_root() {
  if _pg_is_root; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo -n "$@" || sudo "$@"
  else
    _pg_log "need root (or sudo) to run: $*"
    return 1
  fi
}

# Make sure PG_BIN points at a directory holding initdb and pg_ctl.
pg_ensure_installed() {
  if [ -n "${PG_BIN:-}" ]; then
    if [ -x "$PG_BIN/initdb" ] && [ -x "$PG_BIN/pg_ctl" ]; then
      export PG_BIN
      return 0
    fi
    _pg_log "PG_BIN=$PG_BIN does not contain initdb and pg_ctl"
    return 1
  fi
  PG_BIN="$(_pg_find_bin)"
  if [ -z "$PG_BIN" ]; then
    _pg_log "PostgreSQL server binaries not found; installing Debian package 'postgresql'"
    if ! command -v apt-get >/dev/null 2>&1; then
      _pg_log "apt-get not available; install PostgreSQL server binaries or set PG_BIN"
      return 1
    fi
    _pg_as_root apt-get update </dev/null || return 1
    _pg_as_root env DEBIAN_FRONTEND=noninteractive \
      apt-get install -y --no-install-recommends postgresql </dev/null || return 1
    PG_BIN="$(_pg_find_bin)"
    if [ -z "$PG_BIN" ]; then
      _pg_log "installed 'postgresql' but found no initdb under /usr/lib/postgresql/*/bin"
      return 1
    fi
  fi
  export PG_BIN
}

# Run a command as the cluster owner: the `postgres` OS user when we are root
# (via runuser or su), otherwise the current user. Runs from inside PG_DIR so
# that an inaccessible caller cwd (e.g. /root) does not bother the tools.
_pg_run() {
  if _pg_is_root; then
    if command -v runuser >/dev/null 2>&1; then
      (cd "$PG_DIR" && runuser -u postgres -- "$@")
    elif command -v su >/dev/null 2>&1; then
      local cmd
      cmd="$(printf '%q ' "$@")"
      (cd "$PG_DIR" && su -s /bin/sh postgres -c "$cmd")
    else
      _pg_log "running as root but neither runuser nor su is available"
      return 1
    fi
  else
    (cd "$PG_DIR" && "$@")
  fi
}

# free_port comes from the scripts' one shell library.
# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# Start (or restart) the server of the cluster in PG_DIR on PG_PORT, with
# PG_EXTRA_OPTS (more `-c name=value` settings) when set.
_pg_ctl_start() {
  _pg_run "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -w -t 60 -l "$PG_DIR/log" \
    -o "-p $PG_PORT -k '$PG_DIR' -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 ${PG_EXTRA_OPTS:-}" \
    start >/dev/null
}

# Stop the running server but keep the cluster, to simulate an outage:
# `pg_halt fast` (clean shutdown, connections terminated) or
# `pg_halt immediate` (as if it crashed). `pg_resume` starts it again on the
# same port with the same data.
pg_halt() {
  local mode="${1:-fast}"
  _pg_run "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m "$mode" -w -t 30 stop >/dev/null
}

pg_resume() {
  _pg_ctl_start
}

# Create, initialise and start a throwaway cluster. Exports PG_URL, PG_DIR,
# PG_PORT (and PG_BIN). Layout: $PG_DIR/data (cluster), $PG_DIR/log (server
# log), Unix socket in $PG_DIR.
pg_start() {
  if [ -n "${PG_DIR:-}" ] && [ -d "${PG_DIR:-}" ]; then
    _pg_log "a cluster is already running in $PG_DIR (call pg_stop first)"
    return 1
  fi
  pg_ensure_installed || return 1

  # When root, the directory must be reachable by the postgres user, so keep
  # it under /tmp (world-traversable) unless PG_TMPDIR says otherwise.
  local tmpbase="${PG_TMPDIR:-${TMPDIR:-/tmp}}"
  if _pg_is_root; then
    tmpbase="${PG_TMPDIR:-/tmp}"
    if ! id postgres >/dev/null 2>&1; then
      _pg_log "running as root but there is no 'postgres' OS user to own the cluster"
      return 1
    fi
  fi
  PG_DIR="$(mktemp -d "$tmpbase/pgtest.XXXXXXXX")" || return 1
  export PG_DIR
  if _pg_is_root; then
    if ! chown postgres: "$PG_DIR" || ! chmod 0700 "$PG_DIR"; then
      pg_stop
      return 1
    fi
  fi

  if ! _pg_run "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -U postgres \
        --no-sync -E UTF8 --locale=C >"$PG_DIR/initdb.log" 2>&1; then
    _pg_log "initdb failed:"
    cat "$PG_DIR/initdb.log" >&2 || true
    pg_stop
    return 1
  fi

  # The port is picked before the server binds it, so another process could
  # grab it in between; retry with a new port if the start fails.
  local attempt
  for attempt in 1 2 3 4 5; do
    PG_PORT="$(free_port)" || { pg_stop; return 1; }
    if _pg_ctl_start; then
      export PG_PORT
      export PG_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
      _pg_log "PostgreSQL $("$PG_BIN/pg_ctl" --version | awk '{print $3}') running at $PG_URL (dir $PG_DIR)"
      return 0
    fi
    _pg_log "pg_ctl start failed on port $PG_PORT (attempt $attempt); server log:"
    tail -n 20 "$PG_DIR/log" >&2 2>/dev/null || true
    # Make sure a half-started server is not left behind before retrying.
    _pg_run "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
  done
  pg_stop
  return 1
}

# Stop the cluster and delete its directory. Safe to call repeatedly, and
# when pg_start never ran or failed halfway; always returns 0.
pg_stop() {
  local dir="${PG_DIR:-}"
  if [ -n "$dir" ] && [ -d "$dir" ]; then
    if [ -f "$dir/data/postmaster.pid" ] && [ -n "${PG_BIN:-}" ]; then
      _pg_run "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >/dev/null 2>&1 \
        || _pg_run "$PG_BIN/pg_ctl" -D "$dir/data" -m immediate -w -t 30 stop >/dev/null 2>&1 \
        || _pg_log "could not stop the server in $dir"
    fi
    rm -rf -- "$dir" || _pg_log "could not remove $dir"
  fi
  unset PG_DIR PG_PORT PG_URL
  return 0
}

# Self-test when executed rather than sourced.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  pg_start
  trap pg_stop EXIT
  if command -v psql >/dev/null 2>&1; then psql_bin=psql; else psql_bin="$PG_BIN/psql"; fi
  "$psql_bin" "$PG_URL" -v ON_ERROR_STOP=1 -Atc 'select version()'
fi
