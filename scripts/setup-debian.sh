#!/usr/bin/env bash
# Installs the Debian packages slipway's tests and examples use, then the npm
# dependencies. Idempotent: does nothing that is already done.
#   ./scripts/setup-debian.sh           what the tests and the demo need
#   ./scripts/setup-debian.sh --bench   also the reference builders that
#                                       conformance:build and bench:build run
set -euo pipefail
cd "$(dirname "$0")/.."

major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if ((major < 20)); then
  echo "slipway needs Node.js 20 or later (found: $(node --version 2>/dev/null || echo none));" \
    "Debian 12's own nodejs is 18: install Node.js 20 first, then run this again" >&2
  exit 1
fi

packages=(
  # registry, cross-checks, base images for tests
  docker-registry skopeo umoci busybox-static apache2-utils openssl jq time
  # RUN sandbox and layer formats (uidmap: newuidmap for rootless builds)
  runc iproute2 uidmap pigz zstd bzip2 xz-utils git attr
  # RUN for other architectures (--platform linux/arm64): qemu registered in binfmt_misc
  qemu-user-static binfmt-support
  # host deployment tests (passwd: a throwaway user for password logins)
  openssh-server openssh-client passwd
  # approval prompts tested on a real pseudo-terminal (Python's pty module)
  python3
  # the Maven examples (offline, Debian's repository)
  maven openjdk-17-jdk-headless maven-debian-helper
)
if [[ ${1:-} == --bench ]]; then
  # the reference builders of npm run conformance:build and bench:build
  packages+=(docker.io buildah debootstrap)
fi

sudo=$([[ $(id -u) == 0 ]] || echo sudo)
missing=()
for package in "${packages[@]}"; do
  [[ $package == \#* ]] && continue
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if ((${#missing[@]})); then
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# Without systemd (a container) nothing mounts binfmt_misc or registers qemu's
# entries at boot: do it here. A host that cannot (no privilege) builds for
# its own architecture only, and slipway says so when a RUN needs an emulator.
binfmt=/proc/sys/fs/binfmt_misc
if [[ -d $binfmt && ! -e $binfmt/register ]]; then
  $sudo mount -t binfmt_misc binfmt_misc "$binfmt" 2>/dev/null ||
    echo "note: cannot mount $binfmt; RUN for other platforms will not work here" >&2
fi
if [[ -e $binfmt/register && ! -e $binfmt/qemu-aarch64 ]]; then
  $sudo update-binfmts --enable >/dev/null 2>&1 || true
fi

# A linked node_modules is a shared install (a git worktree's): npm ci would
# empty the folder it points at, so it is left alone. Otherwise install when
# something package.json names is missing or at another version.
if [[ -L node_modules ]]; then
  :
elif [[ ! -d node_modules ]] || ! npm ls --silent >/dev/null 2>&1; then
  npm ci --no-audit --no-fund
fi
