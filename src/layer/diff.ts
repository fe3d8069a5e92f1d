import type { BigIntStats } from 'node:fs';
import { lstat as lstatNumber, open, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { type Change, sortChanges } from './change.js';
import { readXattrs } from './xattr.js';

/**
 * The changes that turn `lowerDir` into `upperDir`, by comparing the trees
 * (for when overlayfs cannot be used). Like containerd's continuity diff: a
 * file counts as changed when its type, mode, owner, size, link target,
 * device or xattrs differ, or when its mtime differs and so does its content.
 * Parent directories of every change are included, as a layer needs them.
 */
export async function diffTrees(lowerDir: string, upperDir: string): Promise<Change[]> {
  const changes: Change[] = [];
  await compareDir(lowerDir, upperDir, '', changes);
  return sortChanges(withParents(changes, upperDir));
}

async function compareDir(lower: string, upper: string, relative: string, changes: Change[]) {
  const lowerNames = new Set(await readdir(join(lower, relative)));
  const upperNames = (await readdir(join(upper, relative))).sort();
  for (const name of upperNames) {
    const path = relative === '' ? name : `${relative}/${name}`;
    const source = join(upper, path);
    const upperStat = await lstat(source);
    const lowerStat = lowerNames.has(name) ? await lstat(join(lower, path)) : undefined;
    lowerNames.delete(name);
    if (lowerStat?.isDirectory() && upperStat.isDirectory()) {
      if (!(await sameEntry(join(lower, path), source, lowerStat, upperStat))) {
        changes.push({ kind: 'add', path, source });
      }
      await compareDir(lower, upper, path, changes);
    } else if (!lowerStat || !(await sameEntry(join(lower, path), source, lowerStat, upperStat))) {
      await addAll(upper, path, upperStat, changes);
    }
  }
  for (const name of lowerNames) {
    changes.push({ kind: 'delete', path: relative === '' ? name : `${relative}/${name}` });
  }
}

/** Add a path and, for a new directory, everything below it. */
async function addAll(upper: string, path: string, stat: BigIntStats, changes: Change[]) {
  const source = join(upper, path);
  changes.push({ kind: 'add', path, source });
  if (!stat.isDirectory()) return;
  for (const name of await readdir(source)) {
    await addAll(upper, `${path}/${name}`, await lstat(join(source, name)), changes);
  }
}

async function sameEntry(
  lower: string,
  upper: string,
  a: BigIntStats,
  b: BigIntStats,
): Promise<boolean> {
  if (a.mode !== b.mode || a.uid !== b.uid || a.gid !== b.gid || a.rdev !== b.rdev) return false;
  if (!sameXattrs(await readXattrs(lower), await readXattrs(upper))) return false;
  if (a.isSymbolicLink()) return (await readlink(lower)) === (await readlink(upper));
  if (a.isDirectory()) return true;
  if (!a.isFile()) return true; // devices and fifos: mode and rdev say it all
  if (a.size !== b.size) return false;
  if (a.mtimeNs === b.mtimeNs) return true;
  return sameContent(lower, upper);
}

function sameXattrs(a: Map<string, Buffer>, b: Map<string, Buffer>): boolean {
  if (a.size !== b.size) return false;
  for (const [name, value] of a) if (!b.get(name)?.equals(value)) return false;
  return true;
}

const CHUNK = 256 * 1024;

async function sameContent(a: string, b: string): Promise<boolean> {
  const left = await open(a);
  const right = await open(b).catch(async (error) => {
    await left.close();
    throw error;
  });
  try {
    const leftBuffer = Buffer.alloc(CHUNK);
    const rightBuffer = Buffer.alloc(CHUNK);
    for (let position = 0; ; position += CHUNK) {
      const [l, r] = await Promise.all([
        left.read(leftBuffer, 0, CHUNK, position),
        right.read(rightBuffer, 0, CHUNK, position),
      ]);
      if (l.bytesRead !== r.bytesRead) return false;
      if (l.bytesRead === 0) return true;
      const n = l.bytesRead;
      if (!leftBuffer.subarray(0, n).equals(rightBuffer.subarray(0, n))) return false;
      if (n < CHUNK) return true;
    }
  } finally {
    await left.close();
    await right.close();
  }
}

/** Every change's parent directories, as `add`s of the upper tree's entries. */
function withParents(changes: Change[], upperDir: string): Change[] {
  const present = new Set(changes.filter((c) => c.kind === 'add').map((c) => c.path));
  const parents: Change[] = [];
  for (const change of changes) {
    const parts = change.path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const path = parts.slice(0, i).join('/');
      if (present.has(path)) continue;
      present.add(path);
      parents.push({ kind: 'add', path, source: join(upperDir, path) });
    }
  }
  return [...changes, ...parents];
}

function lstat(path: string): Promise<BigIntStats> {
  return lstatNumber(path, { bigint: true });
}
