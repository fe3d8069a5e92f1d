#!/usr/bin/env bash
# The README's main job on a fresh Debian 12 machine: installs what it needs
# (scripts/setup-debian.sh), builds slipway, then runs an example pipeline end
# to end against a registry of its own (scripts/demo.ts says what it does).
#   ./scripts/demo.sh                              java-service/master-pipeline
#   ./scripts/demo.sh java-service/fan-out-pipeline
#   ./scripts/demo.sh static-site/master-pipeline
set -euo pipefail
cd "$(dirname "$0")/.."
# Building images mounts overlays and sets file owners: it needs root.
if [[ $(id -u) != 0 ]]; then exec sudo -E "$0" "$@"; fi
./scripts/setup-debian.sh
npm run build --silent
exec node dist/scripts/demo.js "$@"
