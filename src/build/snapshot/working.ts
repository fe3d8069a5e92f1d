// The two kinds of working snapshot. Overlay: a merged mount whose upper
// directory holds exactly what the step changed, so reading the changes
// costs what changed. Copy: a full copy of the parent tree, compared after.

import { execFile } from 'node:child_process';
import { chmod, chown, mkdir, rename, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { mountOverlay, planStack, unmount } from './overlay.js';
import type { ChangeReader, SnapshotDriver, WorkingSnapshot } from './types.js';

const exec = promisify(execFile);

/** Where a working snapshot lives and where kept layers go. */
export interface WorkingPlace {
  /** The snapshot root; mount runs here so lower paths can be relative. */
  root: string;
  /** This snapshot's own folder under `root` (relative). */
  dir: string;
  /** Moves a finished tree to the layer folder of a chain ID; returns the folder. */
  keepAs(chainId: string, tree: string): Promise<string>;
}

/** A merged overlay on `lowers` (top first, relative to place.root). */
export async function prepareOverlay<C>(
  place: WorkingPlace,
  lowers: string[],
  changes: ChangeReader<C>,
): Promise<WorkingSnapshot<C>> {
  const base = join(place.root, place.dir);
  const upper = join(base, 'upper');
  const merged = join(base, 'merged');
  await mkdir(join(base, 'work'), { recursive: true });
  await mkdir(merged);
  // The merged root takes its owner and mode from the upper directory.
  const top = await stat(resolve(place.root, lowers[0]!));
  await mkdir(upper, { mode: 0o755 });
  await chown(upper, top.uid, top.gid);
  await chmod(upper, top.mode & 0o7777);

  const absoluteLowers = lowers.map((dir) => resolve(place.root, dir));
  const mounted: string[] = [];
  const releaseMounts = async () => {
    while (mounted.length > 0) await unmount(mounted.pop()!);
  };
  try {
    const effective = await stackLowers(place, lowers, mounted);
    const rel = (name: string) => join(place.dir, name);
    await mountOverlay({
      cwd: place.root,
      lowers: effective,
      upper: rel('upper'),
      work: rel('work'),
      target: merged,
    });
    mounted.push(merged);
  } catch (error) {
    await releaseMounts();
    await rm(base, { recursive: true, force: true });
    throw error;
  }

  return {
    driver: 'overlay' as SnapshotDriver,
    root: merged,
    upperDir: upper,
    async commit() {
      await releaseMounts();
      return changes.fromOverlayUpper(upper, absoluteLowers);
    },
    async keep(chainId) {
      if (mounted.length > 0) throw new Error('keep() before commit()');
      return place.keepAs(chainId, upper);
    },
    async release() {
      await releaseMounts();
      await rm(base, { recursive: true, force: true });
    },
  };
}

/** Lowers that fit one mount: groups past the option limit become read-only overlays. */
async function stackLowers(place: WorkingPlace, lowers: string[], mounted: string[]) {
  const groups = planStack(lowers);
  if (groups.length === 1) return lowers;
  const effective: string[] = [];
  for (const [index, group] of groups.entries()) {
    if (group.length === 1) {
      effective.push(group[0]!);
      continue;
    }
    const name = join(place.dir, `stack-${index}`);
    await mkdir(join(place.root, name));
    await mountOverlay({ cwd: place.root, lowers: group, target: join(place.root, name) });
    mounted.push(join(place.root, name));
    effective.push(name);
  }
  return effective;
}

/** A full copy of `lower` (one complete tree, relative to place.root, or none). */
export async function prepareCopy<C>(
  place: WorkingPlace,
  lower: string | undefined,
  changes: ChangeReader<C>,
): Promise<WorkingSnapshot<C>> {
  const base = join(place.root, place.dir);
  const root = join(base, 'root');
  const parent = lower === undefined ? join(base, 'empty') : resolve(place.root, lower);
  await mkdir(base, { recursive: true });
  if (lower === undefined) await mkdir(parent, { mode: 0o755 });
  await copyTree(parent, root);
  let committed = false;
  return {
    driver: 'copy' as SnapshotDriver,
    root,
    async commit() {
      committed = true;
      return changes.fromTrees(parent, root);
    },
    async keep(chainId) {
      if (!committed) throw new Error('keep() before commit()');
      return place.keepAs(chainId, root);
    },
    async release() {
      await rm(base, { recursive: true, force: true });
    },
  };
}

/** Copy a tree with owners, modes, times, xattrs and hardlinks (cp -a). */
export async function copyTree(from: string, to: string): Promise<void> {
  await exec('cp', ['-a', '--reflink=auto', from, to]);
}

/** Rename, or if the destination already exists (a racing build), drop ours. */
export async function renameOrDrop(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
    await rm(from, { recursive: true, force: true });
  }
}
