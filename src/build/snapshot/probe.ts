// Whether overlayfs works for the snapshot root on this host: it needs root
// (or a user namespace that owns the mount), kernel support, and an upper
// filesystem with xattrs and d_type. Trying a real mount is the only proof.
// A passed probe is recorded in the snapshot root with the kernel release,
// the root's device and whether it ran in a user namespace, so later builds
// on the same kernel and disk skip it.

import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { release } from 'node:os';
import { join } from 'node:path';
import { currentUserNamespace } from '../../util/userns.js';
import { mountOverlay, unmount } from './overlay.js';

const RECORD = 'overlay-probe';

/** Why overlay cannot be used here, or undefined when it can. */
export async function overlayUnavailable(
  root: string,
  scratchDir: string,
): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'slipway is not running as root';
  // A user namespace mounts with other options (userxattr): a probe of its own.
  const userxattr = currentUserNamespace() === undefined ? '' : ' userxattr';
  const passed = `${release()} ${(await stat(root)).dev}${userxattr}\n`;
  const recorded = await readFile(join(root, RECORD), 'utf8').catch(() => '');
  if (recorded === passed) return undefined;
  const why = await probeMount(root, scratchDir);
  if (why === undefined) await writeFile(join(root, RECORD), passed);
  return why;
}

async function probeMount(root: string, scratchDir: string): Promise<string | undefined> {
  const filesystems = await readFile('/proc/filesystems', 'utf8').catch(() => '');
  if (!/\boverlay\b/.test(filesystems)) return 'the kernel has no overlay filesystem';
  const base = join(root, scratchDir);
  try {
    await mkdir(join(base, 'lower'), { recursive: true });
    await mkdir(join(base, 'upper'));
    await mkdir(join(base, 'work'));
    await mkdir(join(base, 'merged'));
    await writeFile(join(base, 'lower', 'probe'), 'probe');
    await mountOverlay({
      cwd: root,
      lowers: [join(scratchDir, 'lower')],
      upper: join(scratchDir, 'upper'),
      work: join(scratchDir, 'work'),
      target: join(base, 'merged'),
    });
    try {
      // Deleting a lower file makes a whiteout: the upper filesystem must allow it.
      await rm(join(base, 'merged', 'probe'));
    } finally {
      await unmount(join(base, 'merged'));
    }
    return undefined;
  } catch (error) {
    return (error as Error).message;
  } finally {
    await rm(base, { recursive: true, force: true }).catch(() => {});
  }
}
