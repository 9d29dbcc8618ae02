#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# The one command that checks everything: formatting, lints and the full test
# suite (unit + integration tests against a throwaway PostgreSQL).
#
# Usage: scripts/test.sh
#
# Every storage test runs on SQLite and on PostgreSQL. The PostgreSQL leg
# needs TEST_DATABASE_URL (a server URL; each test creates a fresh database in
# it and drops it when it ends). Plain `cargo test` without it runs the SQLite
# leg alone and lists the PostgreSQL one as ignored (build.rs). This script
# always runs both: if TEST_DATABASE_URL is not set, a private PostgreSQL
# cluster is started on loopback for the duration of this script (installing
# Debian's `postgresql` package first if needed) and removed afterwards, and
# the script stops if it cannot start one. A TEST_DATABASE_URL that cannot be
# reached fails every PostgreSQL test.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

section() { printf '\n==> %s\n' "$*"; }

# rustfmt and clippy are rustup components that a minimal toolchain may lack.
ensure_cargo_component() {
  local subcommand="$1" component="$2"
  if ! cargo "$subcommand" --version >/dev/null 2>&1; then
    if command -v rustup >/dev/null 2>&1; then
      rustup component add "$component" </dev/null
    else
      echo "error: 'cargo $subcommand' is unavailable and rustup is not installed" >&2
      exit 1
    fi
  fi
}

section "rustfmt (cargo fmt --check)"
ensure_cargo_component fmt rustfmt
cargo fmt --all -- --check

section "clippy"
ensure_cargo_component clippy clippy
cargo clippy --workspace --all-targets -- -D warnings

section "supply chain: licences, bans, sources, advisories (scripts/deny.sh)"
scripts/deny.sh </dev/null

section "database for integration tests"
if [ -z "${TEST_DATABASE_URL:-}" ]; then
  # shellcheck source=lib/postgres.sh
  source scripts/lib/postgres.sh
  # Make Ctrl-C / SIGTERM go through the EXIT trap so the server is stopped.
  trap 'exit 130' INT
  trap 'exit 143' TERM
  trap pg_stop EXIT
  pg_start
  export TEST_DATABASE_URL="$PG_URL"
else
  echo "using TEST_DATABASE_URL from the environment"
fi

section "cargo test"
cargo test --workspace

# Throwaway PostgreSQL clusters of their own (plain text, TLS with a
# throwaway CA, one behind PgBouncer): the test database's cluster
# variables are not passed on.
section "TLS to PostgreSQL: sslmode require, verify-ca, verify-full; wrong CA, host name, plain text (scripts/tls-test.sh)"
env -u PG_DIR -u PG_URL -u PG_PORT scripts/tls-test.sh </dev/null

section "PostgreSQL behind a transaction-mode PgBouncer (scripts/pooler-test.sh)"
env -u PG_DIR -u PG_URL -u PG_PORT scripts/pooler-test.sh </dev/null

# ---------------------------------------------------------------------------
# The spec's users. Each leg provisions its own tools (npm ci in tests/client,
# a virtualenv in tests/contract/.venv, Debian's chromium) and runs against
# its own throwaway server (the debug binary `cargo test` just built, on a
# free port with a fresh SQLite database).
# The spec drift check (tests/api/spec.rs) already ran in `cargo test`.
# ---------------------------------------------------------------------------
export CI="${CI:-true}"

section "client matrix: Spectral, Redocly, five generated clients, tsc --strict, zod-checked journey (scripts/client-matrix.sh)"
scripts/client-matrix.sh </dev/null

section "contract tests (schemathesis)"
scripts/contract-test.sh </dev/null

section "MCP clients: the official Python SDK (both eras) and the Inspector CLI, SQLite and PostgreSQL (scripts/mcp-test.sh)"
# It starts a PostgreSQL cluster of its own.
env -u PG_DIR -u PG_URL -u PG_PORT scripts/mcp-test.sh </dev/null

section "Swagger UI in headless Chromium"
scripts/browser-test.sh </dev/null

section "abuse regression: slow and idle connections, oversize input, floods, NUL, one heavy user (scripts/abuse.sh)"
scripts/abuse.sh </dev/null

section "abuse regression on PostgreSQL: one heavy user (scripts/abuse.sh --only 9)"
psql "$PG_URL" -qc "CREATE DATABASE abuse_heavy" </dev/null
ABUSE_DATABASE_URL="${PG_URL%/*}/abuse_heavy" scripts/abuse.sh --only 9 </dev/null

# ---------------------------------------------------------------------------
# Failure tests on real processes (release build, throwaway PostgreSQL,
# nginx from Debian's packages): graceful drain and a database outage under
# load (~25 s), then three instances behind nginx with one killed under load
# (~15 s). Both share one release build (~3.5 min from clean on 2 cores).
# ---------------------------------------------------------------------------
# Each starts (and stops, and may halt mid-run) a PostgreSQL of its own, so
# the test database's variables are not passed on (TEST_DATABASE_URL included:
# build.rs watches it, and its port changes on every run, which would rebuild
# the release binary each time).
section "failure tests: graceful shutdown and database outage (scripts/chaos.sh)"
env -u PG_DIR -u PG_URL -u PG_PORT -u TEST_DATABASE_URL scripts/chaos.sh </dev/null

section "failure tests: three instances behind nginx (scripts/cluster.sh)"
env -u PG_DIR -u PG_URL -u PG_PORT -u TEST_DATABASE_URL scripts/cluster.sh </dev/null

section "all checks passed"
