// The snapshotter's ChangeReader for builds: the layer module's readers,
// plus one overlay-specific correction. A directory is copied up to the
// upper directory when anything inside it is created, even if that was only
// a mount point removed again (/etc for /etc/hosts); such a directory, with
// nothing changed below it and its metadata equal to the lower one, is not a
// change. The tree comparison already judges directories the same way.

import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import {
  applyLayer,
  type Change,
  changesFromOverlayUpper,
  diffTrees,
  readXattrs,
} from '../../layer/index.js';
import type { ChangeReader, UnpackLayer } from './types.js';

/** Reads a step's changes as the layer writer's `Change` list. */
export const layerChanges: ChangeReader<Change[]> = {
  async fromOverlayUpper(upperDir, lowerDirs) {
    const changes = await changesFromOverlayUpper(upperDir);
    const busy = new Set<string>();
    for (const change of changes) {
      const parts = change.path.split('/');
      const own = change.kind === 'add' ? parts.length - 1 : parts.length;
      for (let i = 1; i <= own; i++) busy.add(parts.slice(0, i).join('/'));
    }
    const opaque = new Set(changes.filter((c) => c.kind === 'opaque').map((c) => c.path));
    const kept: Change[] = [];
    for (const change of changes) {
      const onlyCopiedUp =
        change.kind === 'add' &&
        change.stat?.isDirectory() !== false &&
        !busy.has(change.path) &&
        !opaque.has(change.path) &&
        (await sameAsLower(change, lowerDirs));
      if (!onlyCopiedUp) kept.push(change);
    }
    return kept;
  },
  fromTrees: (lower, upper) => diffTrees(lower, upper),
};

/** Whether an added directory equals the topmost lower entry at its path. */
async function sameAsLower(
  { source, path, stat }: Change & { kind: 'add' },
  lowerDirs: string[],
): Promise<boolean> {
  const upper = stat ?? (await lstat(source, { bigint: true }));
  if (!upper.isDirectory()) return false;
  for (const dir of lowerDirs) {
    const lowerPath = join(dir, path);
    const lower = await lstat(lowerPath, { bigint: true }).catch(() => undefined);
    if (lower === undefined) continue;
    if (!lower.isDirectory()) return false;
    if (lower.mode !== upper.mode || lower.uid !== upper.uid || lower.gid !== upper.gid) {
      return false;
    }
    const [a, b] = [await readXattrs(lowerPath), await readXattrs(source)];
    return a.size === b.size && [...a].every(([name, value]) => b.get(name)?.equals(value));
  }
  return false;
}

/** An `UnpackLayer` that extracts a layer blob (gzip, zstd or plain tar) with applyLayer. */
export function unpackBlob(open: () => Promise<Readable> | Readable): UnpackLayer {
  return async (dir, whiteouts) => {
    // A regular user cannot chown; rootless extraction keeps its own ids.
    const owners = process.getuid?.() === 0;
    await applyLayer(await open(), dir, { whiteouts, owners });
  };
}
