// Resolving a path inside a root filesystem the way the kernel would after a
// chroot: absolute symlinks and `..` stay inside the root. An image is
// untrusted input; `/etc/passwd -> /host/etc/passwd` must not read the host.

import { lstat, readlink } from 'node:fs/promises';
import { join } from 'node:path';

const MAX_LINKS = 40;

/** The host path of `path` (absolute, inside `root`), symlinks followed within the root. */
export async function resolveInRoot(root: string, path: string): Promise<string> {
  const pending = path.split('/').filter((part) => part !== '' && part !== '.');
  const resolved: string[] = [];
  let links = 0;
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === '..') {
      resolved.pop();
      continue;
    }
    const host = join(root, ...resolved, part);
    const stat = await lstat(host).catch(() => undefined);
    if (!stat?.isSymbolicLink()) {
      resolved.push(part);
      continue;
    }
    if (++links > MAX_LINKS) throw new Error(`too many levels of symbolic links in ${path}`);
    const target = await readlink(host);
    if (target.startsWith('/')) resolved.length = 0;
    pending.unshift(...target.split('/').filter((p) => p !== '' && p !== '.'));
  }
  return join(root, ...resolved);
}
