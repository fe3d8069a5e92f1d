import type { BigIntStats } from 'node:fs';

// What a layer records: files added or replaced, paths deleted, directories
// made opaque. The build engine produces these; the writer turns them into tar.

/**
 * One change in a layer. `path` is relative and posix inside the image
 * (`usr/bin/x`); `source` is an absolute path on disk whose lstat, content,
 * xattrs and link target make the entry (a directory adds only its own entry).
 * `stat`, when the reader has it, is that lstat, so the writer need not repeat it.
 */
export type Change =
  | { kind: 'add'; path: string; source: string; stat?: BigIntStats }
  | { kind: 'delete'; path: string }
  | { kind: 'opaque'; path: string };

/** The name of a whiteout that hides `name` in the layers below. */
export const WHITEOUT_PREFIX = '.wh.';
/** The entry that marks its directory opaque: nothing below shows through. */
export const OPAQUE_WHITEOUT = '.wh..wh..opq';
/** AUFS metadata names (`.wh..wh.plnk`, `.wh..wh.aufs`) that are never files. */
export const WHITEOUT_META_PREFIX = '.wh..wh.';

/**
 * The order entries appear in a layer: depth first, names compared bytewise,
 * a directory before its contents and its opaque marker before its children.
 */
export function compareLayerPaths(a: string, b: string): number {
  const left = a.split('/');
  const right = b.split('/');
  const common = Math.min(left.length, right.length);
  for (let i = 0; i < common; i++) {
    const x = left[i] as string;
    const y = right[i] as string;
    if (x === y) continue;
    if (x === OPAQUE_WHITEOUT) return -1;
    if (y === OPAQUE_WHITEOUT) return 1;
    return Buffer.compare(Buffer.from(x), Buffer.from(y));
  }
  return left.length - right.length;
}

/** The path a change writes in the tar (whiteouts carry their marker name). */
export function changeEntryPath(change: Change): string {
  if (change.kind === 'add') return change.path;
  if (change.kind === 'opaque') {
    return change.path === '' ? OPAQUE_WHITEOUT : `${change.path}/${OPAQUE_WHITEOUT}`;
  }
  const slash = change.path.lastIndexOf('/');
  const dir = slash < 0 ? '' : change.path.slice(0, slash + 1);
  return `${dir}${WHITEOUT_PREFIX}${change.path.slice(slash + 1)}`;
}

/** Sort changes into the writer's order, by the entry each one writes. */
export function sortChanges(changes: Change[]): Change[] {
  // Each path split and encoded once, not in every comparison.
  return changes
    .map((change) => ({ change, parts: changeEntryPath(change).split('/').map(encodePart) }))
    .sort((a, b) => compareParts(a.parts, b.parts))
    .map((item) => item.change);
}

/** A path part as compareLayerPaths orders it: the opaque marker first, then bytewise. */
function encodePart(part: string): Buffer | null {
  return part === OPAQUE_WHITEOUT ? null : Buffer.from(part);
}

function compareParts(left: (Buffer | null)[], right: (Buffer | null)[]): number {
  const common = Math.min(left.length, right.length);
  for (let i = 0; i < common; i++) {
    const x = left[i] as Buffer | null;
    const y = right[i] as Buffer | null;
    if (x === y) continue;
    if (x === null) return -1;
    if (y === null) return 1;
    const order = Buffer.compare(x, y);
    if (order !== 0) return order;
  }
  return left.length - right.length;
}

/** Normalise an image path: no leading `/` or `./`, no `.`/`..` parts. */
export function cleanLayerPath(path: string): string | undefined {
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') return undefined;
    parts.push(part);
  }
  return parts.join('/');
}
