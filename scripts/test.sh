#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# The one command that checks everything: formatting, lints and the full test
# suite (unit + integration tests against a throwaway PostgreSQL).
#
# Usage: scripts/test.sh
#
# Integration tests need TEST_DATABASE_URL (a PostgreSQL server URL; each test
# creates its own fresh database). If it is not set, a private PostgreSQL
# cluster is started on loopback for the duration of this script (installing
# Debian's `postgresql` package first if needed) and removed afterwards.
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

# ---------------------------------------------------------------------------
# FURTHER LEGS GO HERE, each as its own `section "..."` block, for example:
#   - OpenAPI spec drift check (committed spec vs. the one the server serves)
#   - OpenAPI linter
#   - TypeScript client generation / type-check / tests
#   - contract tests against a running server
#   - browser (end-to-end) test
# They run after `cargo test` and may reuse TEST_DATABASE_URL.
# ---------------------------------------------------------------------------

section "all checks passed"
