import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

// A stand-in for the helm binary, for tests of deploy@helm: Helm cannot run
// against a cluster on these machines, so tests check what it is given.

/**
 * A `helm` in `dir` that answers `version --short` with `version` and, for
 * anything else, records its arguments, the values file and the kubeconfig
 * (and its mode) in `dir/record/`, then exits with `status`.
 */
export async function writeFakeHelm(dir: string, version: string, status: number) {
  const script = `#!/bin/sh
if [ "$1" = version ]; then echo '${version}'; exit 0; fi
rec="$(dirname "$0")/record"
mkdir -p "$rec"
printf '%s\\n' "$@" > "$rec/argv"
while [ $# -gt 0 ]; do
  case "$1" in
    --values) cp "$2" "$rec/values"; shift ;;
    --kubeconfig) cp "$2" "$rec/kubeconfig"; stat -c %a "$2" > "$rec/mode"; echo "$2" > "$rec/path" ;;
  esac
  shift
done
echo 'Release "web" has been upgraded. Happy Helming!'
exit ${status}
`;
  await writeFile(join(dir, 'helm'), script);
  await chmod(join(dir, 'helm'), 0o755);
}
