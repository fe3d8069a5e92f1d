// Mount targets that a root filesystem lacks must exist while the sandbox
// runs, yet must not show up in the step's layer. Like BuildKit, create them
// before the run and remove the ones we created (still empty) afterwards.

import { lstat, mkdir, rmdir, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { resolveInRoot } from './rootpath.js';

/** A mount target inside the rootfs and what kind of node it needs. */
export interface MountTarget {
  path: string;
  kind: 'dir' | 'file';
}

interface Created {
  hostPath: string;
  kind: 'dir' | 'file';
  /** The existing parent whose times the creation changed. */
  parent?: { path: string; atime: Date; mtime: Date };
}

/** What `createMountTargets` made, to undo with `removeMountTargets`. */
export type CreatedTargets = Created[];

/** Create every missing target (and missing parents); returns what was created. */
export async function createMountTargets(rootfs: string, targets: MountTarget[]) {
  const created: CreatedTargets = [];
  for (const target of targets) {
    const hostPath = await resolveInRoot(rootfs, target.path);
    if (await exists(hostPath)) continue;
    const missing = [hostPath];
    let parent = dirname(hostPath);
    while (parent.startsWith(rootfs) && parent !== rootfs && !(await exists(parent))) {
      missing.unshift(parent);
      parent = dirname(parent);
    }
    const times = await stat(parent);
    let first = true;
    for (const path of missing) {
      const kind = path === hostPath ? target.kind : 'dir';
      if (kind === 'dir') await mkdir(path, { mode: 0o755 });
      else await writeFile(path, '', { mode: 0o644 });
      const entry: Created = { hostPath: path, kind };
      if (first) entry.parent = { path: parent, atime: times.atime, mtime: times.mtime };
      created.push(entry);
      first = false;
    }
  }
  return created;
}

/** Remove what `createMountTargets` made if the run left it empty. */
export async function removeMountTargets(created: CreatedTargets): Promise<void> {
  for (const entry of [...created].reverse()) {
    const removed = await removeIfEmpty(entry);
    if (removed && entry.parent) {
      const { path, atime, mtime } = entry.parent;
      await utimes(path, atime, mtime).catch(() => {});
    }
  }
}

async function removeIfEmpty(entry: Created): Promise<boolean> {
  const stats = await lstat(entry.hostPath).catch(() => undefined);
  if (stats === undefined) return false;
  try {
    if (entry.kind === 'dir' && stats.isDirectory()) await rmdir(entry.hostPath);
    else if (entry.kind === 'file' && stats.isFile() && stats.size === 0)
      await unlink(entry.hostPath);
    else return false;
    return true;
  } catch {
    // Not empty: the step wrote there, so it belongs in the layer.
    return false;
  }
}

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}
