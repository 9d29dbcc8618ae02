#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# TLS to PostgreSQL, as Neon requires it: a throwaway PostgreSQL with
# `ssl=on` and a certificate from a throwaway CA, and the server started
# against it with each `sslmode`. `require`, `verify-ca` and `verify-full`
# (with `sslrootcert`) start, over encrypted connections; a certificate from
# another CA, a host name the certificate does not name, and a plain-text
# server asked for `require` each stop start-up with a message saying which.
# About 10 s once the binary is built.
#
# Usage: scripts/tls-test.sh   (TASKS_API_BIN may name a prebuilt binary)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=lib/postgres.sh
source scripts/lib/postgres.sh
# shellcheck source=lib/pg_tls.sh
source scripts/lib/pg_tls.sh
# shellcheck source=lib/common.sh
source scripts/lib/common.sh
# shellcheck source=lib/start_up.sh
source scripts/lib/start_up.sh

bin="$(tasks_api_binary debug)"
work="$(mktemp -d)"
# The cluster's owner (the postgres user, when run as root) reads the
# server's certificate from here.
chmod 0755 "$work"
cleanup() {
  stop_started
  pg_stop
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

# Starts the server over DATABASE_URL=$1; answers 0 once it listens (and
# stops it), 1 when it exits first. Its output is in $work/out.
start_over() {
  start_up "$bin" "$work/out" DATABASE_URL="$1" DATABASE_ACQUIRE_TIMEOUT_MS=5000 || return 1
  # The pool keeps a connection open: it must be an encrypted one.
  encrypted="$("$PG_BIN/psql" -h "$PG_DIR" -p "$PG_PORT" -U postgres -d postgres -Atc \
    "SELECT count(*) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid)
     WHERE a.datname = 'tasks' AND s.ssl")"
  stop_started
}

# expect_start URL WHAT
expect_start() {
  if start_over "$1"; then
    if [ "${encrypted:-0}" -ge 1 ]; then
      echo "ok: $2 starts, over TLS"
    else
      fail "$2 started, but over no encrypted connection"
    fi
  else
    fail "$2 did not start: $(tail -n 3 "$work/out")"
  fi
}

# expect_refusal URL WHAT TEXT: start-up stops, saying TEXT.
expect_refusal() {
  if start_over "$1"; then
    fail "$2 started"
  elif grep -q "$3" "$work/out"; then
    echo "ok: $2 stops start-up: $(grep -o "TLS to the database failed[^(]*" "$work/out" | head -n 1)"
  else
    fail "$2 stopped without saying \"$3\": $(tail -n 3 "$work/out")"
  fi
}

# 1. A plain-text server: `require` must not fall back to plain text.
pg_start
"$PG_BIN/psql" -h "$PG_DIR" -p "$PG_PORT" -U postgres -d postgres -qc 'CREATE DATABASE tasks'
expect_refusal "postgres://postgres@127.0.0.1:$PG_PORT/tasks?sslmode=require" \
  "sslmode=require against a plain-text server" "no TLS"
pg_stop

# 2. A TLS server whose certificate names "localhost", from a throwaway CA.
pg_tls_certs "$work/certs"
PG_EXTRA_OPTS="$(pg_tls_opts "$work/certs")" pg_start
"$PG_BIN/psql" -h "$PG_DIR" -p "$PG_PORT" -U postgres -d postgres -qc 'CREATE DATABASE tasks'
ca="$work/certs/ca.crt"
expect_start "postgres://postgres@127.0.0.1:$PG_PORT/tasks?sslmode=require" "sslmode=require"
expect_start "postgres://postgres@127.0.0.1:$PG_PORT/tasks?sslmode=verify-ca&sslrootcert=$ca" \
  "sslmode=verify-ca (the certificate's name is not checked)"
expect_start "postgres://postgres@localhost:$PG_PORT/tasks?sslmode=verify-full&sslrootcert=$ca" \
  "sslmode=verify-full"
expect_refusal "postgres://postgres@localhost:$PG_PORT/tasks?sslmode=verify-full&sslrootcert=$work/certs/other-ca.crt" \
  "verify-full with another CA" "wrong CA"
expect_refusal "postgres://postgres@localhost:$PG_PORT/tasks?sslmode=verify-ca&sslrootcert=$work/certs/other-ca.crt" \
  "verify-ca with another CA" "wrong CA"
expect_refusal "postgres://postgres@127.0.0.1:$PG_PORT/tasks?sslmode=verify-full&sslrootcert=$ca" \
  "verify-full with a host name the certificate does not name" "wrong host name"

if [ "$failures" -ne 0 ]; then
  echo "$failures TLS check(s) failed" >&2
  exit 1
fi
echo "all TLS checks passed"
