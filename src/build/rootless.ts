import { SlipwayError } from '../errors/index.js';
import type { Emit } from '../log/index.js';
import { currentUserNamespace, hostId } from '../util/userns.js';
import { chooseBackend } from './sandbox/index.js';

// A build needs root's powers (overlay mounts, owners): real root, or root of
// a user namespace (the CLI enters one for a regular user). The progress says
// which, and which sandbox runs the RUN steps.

/** Stop unless this process can build; say when the build runs rootless. */
export async function checkBuildPrivileges(emit: Emit): Promise<void> {
  if (process.getuid?.() !== 0) {
    throw new SlipwayError(
      'ROOT_REQUIRED',
      'building needs root or a user namespace where slipway is root: ' +
        'it mounts overlay snapshots and sets file owners',
      {
        hint:
          'run as root, or run `slipway build`, which enters a user namespace by itself ' +
          'for a regular user',
      },
    );
  }
  const namespace = currentUserNamespace();
  if (namespace === undefined) return;
  const others = namespace.uids.reduce((sum, range) => sum + range.count, 0) - 1;
  const mapped =
    others > 0
      ? `uid 0 is host uid ${hostId(namespace.uids, 0)}, with ${others} subordinate ids`
      : `only uid 0 is mapped (host uid ${hostId(namespace.uids, 0)})`;
  const backend = await chooseBackend();
  emit({
    kind: 'build.rootless',
    level: 'info',
    backend,
    message: `rootless build in a user namespace: ${mapped}; sandbox: ${backend}`,
  });
}
