// Mounting overlayfs through mount(8). Lower directories are passed relative
// to the snapshot root (mount runs there), and a chain longer than one page of
// mount options is split into read-only overlays stacked below the top one.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { currentUserNamespace } from '../../util/userns.js';

const exec = promisify(execFile);

/** Options every slipway overlay gets: no index, no redirects, no metadata-only copy-up. */
export const OVERLAY_FEATURES = 'index=off,redirect_dir=off,metacopy=off';

/**
 * In a user namespace overlayfs keeps its xattrs in user.overlay.* (userxattr),
 * and redirect_dir=off (which may still follow redirects) conflicts with it.
 */
export const USERNS_OVERLAY_FEATURES = 'index=off,redirect_dir=nofollow,metacopy=off,userxattr';

/** The kernel reads at most one page of mount options; keep room for the rest. */
export const LOWERDIR_LIMIT = 3500;

export interface OverlayMount {
  /** The directory mount runs in; relative paths are resolved from it. */
  cwd: string;
  /** Lower directories, top first, relative to `cwd` (or absolute). */
  lowers: string[];
  upper?: string;
  work?: string;
  target: string;
}

/** Mount an overlay; read-only when it has no upper directory. */
export async function mountOverlay(mount: OverlayMount): Promise<void> {
  const options = [`lowerdir=${mount.lowers.join(':')}`];
  if (mount.upper !== undefined) options.push(`upperdir=${mount.upper}`, `workdir=${mount.work}`);
  options.push(currentUserNamespace() ? USERNS_OVERLAY_FEATURES : OVERLAY_FEATURES);
  if (mount.upper === undefined) options.push('ro');
  try {
    await exec('mount', ['-t', 'overlay', 'overlay', '-o', options.join(','), mount.target], {
      cwd: mount.cwd,
    });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new Error(`mounting overlay at ${mount.target}: ${stderr || (error as Error).message}`);
  }
}

/** Unmount `target`; a busy mount is detached lazily so no mount is left behind. */
export async function unmount(target: string): Promise<void> {
  try {
    await exec('umount', [target]);
  } catch {
    await exec('umount', ['--lazy', target]);
  }
}

/**
 * Split lowers (top first) into groups whose joined length fits the limit.
 * The first group stays direct lowers of the top mount; each later group
 * becomes one read-only overlay (or stays a single directory).
 */
export function planStack(lowers: string[], limit = LOWERDIR_LIMIT): string[][] {
  const groups: string[][] = [];
  let current: string[] = [];
  let length = 0;
  for (const dir of lowers) {
    if (current.length > 0 && length + dir.length + 1 > limit) {
      groups.push(current);
      current = [];
      length = 0;
    }
    current.push(dir);
    length += dir.length + 1;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}
