// A sandbox without root's powers: in a user namespace slipway is root of
// (a rootless build) any back end runs the ids the namespace maps; a regular
// user gets a namespace of its own from the namespaces back end, mapping root.

import { readFile } from 'node:fs/promises';
import {
  currentUserNamespace,
  idMapped,
  SUBORDINATE_IDS_HINT,
  userNamespaceBlocks,
} from '../../util/userns.js';
import { SandboxError } from './error.js';
import type { SandboxBackend, SandboxUser } from './types.js';

/** Why the sandbox cannot run `user` without root's powers, if it cannot. */
export async function checkRootless(backend: SandboxBackend, user: SandboxUser): Promise<void> {
  const namespace = currentUserNamespace();
  if (namespace !== undefined) {
    // Root of a user namespace (a rootless build): any id it maps can run.
    const ids = [user.uid, user.gid, ...user.additionalGids];
    if (
      idMapped(namespace.uids, user.uid) &&
      ids.slice(1).every((id) => idMapped(namespace.gids, id))
    ) {
      return;
    }
    throw new SandboxError(
      `cannot run as ${user.uid}:${user.gid}: the user namespace slipway builds in does not map it`,
      SUBORDINATE_IDS_HINT,
    );
  }
  if (backend === 'runc') {
    throw new SandboxError(
      'the runc back end needs root; slipway runs as a regular user',
      'run as root, or let slipway use the namespaces back end (the default when not root)',
    );
  }
  const read = (path: string) => readFile(path, 'utf8').catch(() => undefined);
  const blocks = userNamespaceBlocks(
    await read('/proc/sys/user/max_user_namespaces'),
    await read('/proc/sys/kernel/unprivileged_userns_clone'),
  );
  if (blocks.length > 0) {
    throw new SandboxError(
      'cannot build rootless: this kernel does not let regular users create user namespaces',
      'run as root, or enable them: sysctl kernel.unprivileged_userns_clone=1 ' +
        'and user.max_user_namespaces>0',
    );
  }
  if (user.uid !== 0) {
    throw new SandboxError(
      `cannot switch to uid ${user.uid} rootless: the user namespace maps only root`,
      'run the build as root to use USER with a non-root user',
    );
  }
}
