#!/usr/bin/env bash
# Regenerates the committed spec, openapi/openapi.json and openapi/openapi.yaml,
# from the server's own declarations (`tasks-api openapi [--yaml]`).
# Run it after changing anything that shows in the API; `cargo test` fails
# (tests/api/spec.rs) while the committed files are out of date.
#
# Usage: scripts/export-openapi.sh
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

cargo build --quiet --bin tasks-api
bin="$(cargo metadata --format-version 1 --no-deps \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')/debug/tasks-api"

mkdir -p openapi
"$bin" openapi >openapi/openapi.json.tmp
"$bin" openapi --yaml >openapi/openapi.yaml.tmp
mv openapi/openapi.json.tmp openapi/openapi.json
mv openapi/openapi.yaml.tmp openapi/openapi.yaml
echo "wrote openapi/openapi.json and openapi/openapi.yaml"
