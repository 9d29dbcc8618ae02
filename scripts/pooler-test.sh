#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# The server behind a transaction-mode PgBouncer (Debian's 1.18, as Neon's
# pooled string is PgBouncer in transaction mode), with DATABASE_DIRECT_URL
# at the server itself:
#   - pooled, it starts through the pooler (no startup parameter the pooler
#     refuses; migrations over the direct URL) and is ready through it;
#   - the statement timeout it sets on its role bounds a statement in every
#     session the pooler opens;
#   - without DATABASE_DIRECT_URL it starts and says streams get only its own
#     instance's changes;
#   - told it is not pooled, it sends statement_timeout as a startup
#     parameter and start-up stops on the pooler's refusal, saying so.
#   - every operation works through it: the PostgreSQL leg of the API tests
#     that covers every operation, the change feed, event streams across two
#     instances (LISTEN on the direct URL) and migrations (from an older
#     schema, and through the pooler without a direct URL) runs with every
#     app's DATABASE_URL at the pooler (TEST_POOLER_URL), which has two
#     server connections per database, so the apps' five client connections
#     and the tests running in parallel share them.
# About 10 s for the first four once the binary is built; the API tests about
# two minutes on 2 cores (their binary is rebuilt for this server's URL).
#
# Usage: scripts/pooler-test.sh   (TASKS_API_BIN may name a prebuilt binary;
#        POOLER_TESTS=0 skips the API tests)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=lib/postgres.sh
source scripts/lib/postgres.sh
# shellcheck source=lib/pgbouncer.sh
source scripts/lib/pgbouncer.sh
# shellcheck source=lib/common.sh
source scripts/lib/common.sh
# shellcheck source=lib/start_up.sh
source scripts/lib/start_up.sh

bin="$(tasks_api_binary debug)"
log="$(mktemp)"
cleanup() {
  stop_started
  pgb_stop
  pg_stop
  rm -f "$log"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}
ok() { echo "ok: $*"; }

pg_start
PGB_POOL_SIZE=2 pgb_start
"$PG_BIN/psql" -h "$PG_DIR" -p "$PG_PORT" -U postgres -d postgres -qc 'CREATE DATABASE tasks'
pooled="postgres://postgres@127.0.0.1:$PGB_PORT/tasks"
direct="postgres://postgres@127.0.0.1:$PG_PORT/tasks"

# 1. Pooled with a direct URL.
if start_up "$bin" "$log" DATABASE_URL="$pooled" DATABASE_DIRECT_URL="$direct" \
  DATABASE_STATEMENT_TIMEOUT_SECONDS=1; then
  status="$(curl -s -o /dev/null -w '%{http_code}' "http://$STARTED_ADDR/health/ready")"
  if [ "$status" = 200 ]; then
    ok "pooled with DATABASE_DIRECT_URL: starts through PgBouncer, /health/ready 200 through it"
  else
    fail "pooled start-up: /health/ready answered $status"
  fi
  if grep -q "DATABASE_DIRECT_URL is not set" "$log"; then
    fail "pooled with a direct URL still warns about streams"
  fi
  stop_started
else
  fail "pooled start-up with a direct URL failed: $(tail -n 3 "$log")"
fi

# 2. The role's statement timeout, in a session the pooler opens.
timeout="$("$PG_BIN/psql" "$pooled" -Atc 'SHOW statement_timeout')"
if [ "$timeout" = 1s ]; then
  ok "a session through the pooler has the server's statement_timeout ($timeout)"
else
  fail "a session through the pooler has statement_timeout '$timeout', not 1s"
fi
if out="$("$PG_BIN/psql" "$pooled" -Atc 'SELECT pg_sleep(3)' 2>&1)"; then
  fail "a 3 s statement through the pooler ran to its end"
elif grep -q "statement timeout" <<<"$out"; then
  ok "a 3 s statement through the pooler is cancelled by the statement timeout"
else
  fail "a 3 s statement through the pooler failed otherwise: $out"
fi

# 3. Pooled without a direct URL: it starts through the pooler alone
# and says what will not work.
if start_up "$bin" "$log" DATABASE_URL="$pooled" DATABASE_POOLED=yes; then
  if grep -q "DATABASE_DIRECT_URL is not" "$log" && grep -q "event streams" "$log"; then
    ok "pooled without DATABASE_DIRECT_URL: starts and warns that streams hear only this instance"
  else
    fail "pooled without a direct URL gave no warning: $(head -n 5 "$log")"
  fi
  stop_started
else
  fail "pooled start-up without a direct URL failed: $(tail -n 3 "$log")"
fi

# 4. Not pooled: the startup parameter is refused, and start-up says so.
if start_up "$bin" "$log" DATABASE_URL="$pooled" DATABASE_POOLED=no; then
  fail "a non-pooled start-up through PgBouncer was accepted"
  stop_started
elif grep -q "unsupported startup parameter" "$log"; then
  ok "DATABASE_POOLED=no through PgBouncer stops start-up: $(grep -o 'unsupported startup parameter[^"]*' "$log" | head -n 1)"
else
  fail "a non-pooled start-up through PgBouncer stopped otherwise: $(tail -n 3 "$log")"
fi

# 5. Every operation through the pooler: the API tests' PostgreSQL leg for
# them (the SQLite leg runs in scripts/test.sh already).
suites=(tasks:: listing:: finding:: searching:: conditional:: preconditions::
  idempotency:: isolation:: clearing:: recurrence:: account:: auth:: sessions::
  tokens:: oauth:: sync:: streams:: neon:: stored_emails::)
if [ "${POOLER_TESTS:-1}" = 0 ]; then
  echo "skipped: the API tests through the pooler (POOLER_TESTS=0)"
elif TEST_DATABASE_URL="$PG_URL" TEST_POOLER_URL="$PGB_URL" \
  cargo test --quiet --test api -- --skip ::sqlite "${suites[@]}"; then
  ok "every operation, the feed, streams across two instances and migrations pass through PgBouncer $("$PGB_BIN" --version | awk 'NR==1{print $2}')"
else
  fail "API tests through the pooler"
fi

if [ "$failures" -ne 0 ]; then
  echo "$failures pooler check(s) failed" >&2
  exit 1
fi
echo "all pooler checks passed"
