import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Change, sortChanges } from './change.js';
import { readXattr } from './xattr.js';

/** The xattrs overlayfs sets on an opaque directory (trusted, or user with userxattr). */
export const OVERLAY_OPAQUE_XATTRS = ['trusted.overlay.opaque', 'user.overlay.opaque'];

/**
 * The changes an overlayfs upper directory holds: a 0/0 character device is
 * a deletion, a directory with the opaque xattr replaces what was below, and
 * everything else is added. Returned in the writer's order.
 */
export async function changesFromOverlayUpper(upperDir: string): Promise<Change[]> {
  const changes: Change[] = [];
  await walkUpper(upperDir, '', changes);
  return sortChanges(changes);
}

async function walkUpper(upperDir: string, relative: string, changes: Change[]): Promise<void> {
  const dir = relative === '' ? upperDir : join(upperDir, relative);
  // Synchronous calls: an upper directory can hold thousands of entries.
  for (const name of readdirSync(dir)) {
    const path = relative === '' ? name : `${relative}/${name}`;
    const source = join(dir, name);
    const stat = lstatSync(source, { bigint: true });
    if (stat.isCharacterDevice() && stat.rdev === 0n) {
      changes.push({ kind: 'delete', path });
      continue;
    }
    changes.push({ kind: 'add', path, source, stat });
    if (!stat.isDirectory()) continue;
    if (await isOpaque(source)) changes.push({ kind: 'opaque', path });
    await walkUpper(upperDir, path, changes);
  }
}

async function isOpaque(dir: string): Promise<boolean> {
  for (const name of OVERLAY_OPAQUE_XATTRS) {
    const value = await readXattr(dir, name);
    if (value?.toString() === 'y') return true;
  }
  return false;
}
