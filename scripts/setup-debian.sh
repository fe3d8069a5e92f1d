#!/usr/bin/env bash
# Installs the Debian packages slipway's tests, examples and benchmarks use,
# then the npm dependencies. Idempotent: does nothing that is already done.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  # registry, cross-checks, base images for tests
  docker-registry skopeo umoci busybox-static apache2-utils openssl jq time
  # RUN sandbox and layer formats
  runc iproute2 pigz zstd bzip2 xz-utils git attr
  # host deployment tests
  openssh-server openssh-client
  # the Maven examples (offline, Debian's repository)
  maven openjdk-17-jdk-headless maven-debian-helper
  # conformance and benchmark references (npm run conformance:build, bench:build)
  docker.io buildah debootstrap
)

missing=()
for package in "${packages[@]}"; do
  [[ $package == \#* ]] && continue
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if ((${#missing[@]})); then
  sudo=$([[ $(id -u) == 0 ]] || echo sudo)
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# A linked node_modules is a shared install (a git worktree's): npm ci would
# empty the folder it points at, so it is left alone. Otherwise install when
# something package.json names is missing or at another version.
if [[ -L node_modules ]]; then
  :
elif [[ ! -d node_modules ]] || ! npm ls --silent >/dev/null 2>&1; then
  npm ci --no-audit --no-fund
fi
