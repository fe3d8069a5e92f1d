#!/usr/bin/env bash
# The whole test suite on a fresh Debian machine: set-up, lint, build, tests.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup-debian.sh
npm run lint
npm test
