// The snapshotter: unpacked layers kept by chain ID under the snapshot root
// (so a second build does not unpack again), and working snapshots on top of
// them for each step. Overlay where the host allows it, full copies otherwise.

import { randomBytes } from 'node:crypto';
import { mkdir, rm, stat } from 'node:fs/promises';
import { isAbsolute, join, relative } from 'node:path';
import { type Emit, silent } from '../../log/index.js';
import { statePaths } from '../../util/paths.js';
import { overlayUnavailable } from './probe.js';
import { removeStale } from './stale.js';
import type { ChangeReader, SnapshotDriver, UnpackLayer, WorkingSnapshot } from './types.js';
import { copyTree, prepareCopy, prepareOverlay, renameOrDrop } from './working.js';

export interface SnapshotterOptions<C> {
  /** Reads a finished step's changes (the layer module's, in a build). */
  changes: ChangeReader<C>;
  /** Default `statePaths().snapshots`. */
  root?: string;
  /** Force a driver; by default overlay when a probe mount works. */
  driver?: SnapshotDriver;
  /** `snapshot.driver` says which driver is used and why. */
  emit?: Emit;
}

/** Open (and tidy) the snapshot root, choosing the driver. */
export async function openSnapshotter<C>(options: SnapshotterOptions<C>): Promise<Snapshotter<C>> {
  const root = options.root ?? statePaths().snapshots;
  const emit = options.emit ?? silent;
  for (const dir of ['layers', 'work', 'tmp', 'empty'])
    await mkdir(join(root, dir), { recursive: true });
  const removed = await removeStale([join(root, 'work'), join(root, 'tmp')]);
  if (removed.length > 0) {
    emit({
      kind: 'snapshot.stale',
      level: 'debug',
      removed,
      message: `removed ${removed.length} stale snapshot(s)`,
    });
  }

  let driver = options.driver;
  let reason = driver === undefined ? undefined : 'chosen by the caller';
  if (driver === undefined) {
    const why = await overlayUnavailable(root, join('work', uniqueName('probe')));
    driver = why === undefined ? 'overlay' : 'copy';
    reason = why ?? 'overlay mount works';
  }
  emit({
    kind: 'snapshot.driver',
    level: 'info',
    driver,
    reason,
    message: driver === 'overlay' ? 'snapshots: overlayfs' : `snapshots: full copies (${reason})`,
  });
  return new Snapshotter(root, driver, options.changes);
}

/** Unpacked layers by chain ID, and working snapshots for steps. */
export class Snapshotter<C> {
  /** Layers being unpacked: stages on the same base wait for one unpack. */
  private readonly unpacking = new Map<string, Promise<string>>();

  constructor(
    readonly root: string,
    readonly driver: SnapshotDriver,
    private readonly changes: ChangeReader<C>,
  ) {}

  /** The folder of the layer with this chain ID (it may not exist yet). */
  layerDir(chainId: string): string {
    const match = /^([a-z0-9]+):([a-f0-9]{32,128})$/.exec(chainId);
    if (!match) throw new Error(`not a chain ID: ${chainId}`);
    const name = match[1] === 'sha256' ? match[2]! : `${match[1]}-${match[2]}`;
    return join(this.root, 'layers', name);
  }

  /** Whether the layer with this chain ID is unpacked already. */
  async has(chainId: string): Promise<boolean> {
    return stat(this.layerDir(chainId)).then(
      () => true,
      () => false,
    );
  }

  /**
   * Make sure the layer `chainId` (on top of `parentChainId`) is unpacked,
   * calling `unpack` only when it is not. Returns its folder.
   * Overlay keeps each layer alone (overlay whiteouts); copy keeps full trees.
   */
  ensureLayer(
    chainId: string,
    parentChainId: string | undefined,
    unpack: UnpackLayer,
  ): Promise<string> {
    let unpacked = this.unpacking.get(chainId);
    if (!unpacked) {
      unpacked = this.unpackOnce(chainId, parentChainId, unpack).finally(() =>
        this.unpacking.delete(chainId),
      );
      this.unpacking.set(chainId, unpacked);
    }
    return unpacked;
  }

  private async unpackOnce(
    chainId: string,
    parentChainId: string | undefined,
    unpack: UnpackLayer,
  ): Promise<string> {
    const dir = this.layerDir(chainId);
    if (await this.has(chainId)) return dir;
    const temp = join(this.root, 'tmp', uniqueName('unpack'));
    try {
      if (this.driver === 'copy' && parentChainId !== undefined) {
        await copyTree(this.layerDir(parentChainId), temp);
      } else {
        await mkdir(temp, { mode: 0o755 });
      }
      await unpack(temp, this.driver === 'overlay' ? 'overlay' : 'apply');
      await renameOrDrop(temp, dir);
      return dir;
    } finally {
      await rm(temp, { recursive: true, force: true });
    }
  }

  /** The lower folders for an image's chain IDs (bottom first), top first. */
  lowerDirs(chainIds: string[]): string[] {
    const dirs = chainIds.map((id) => this.layerDir(id)).reverse();
    return this.driver === 'overlay' ? dirs : dirs.slice(0, 1);
  }

  /** A writable snapshot on `lowerDirs` (top first; empty for scratch). */
  async prepare(lowerDirs: string[]): Promise<WorkingSnapshot<C>> {
    const place = {
      root: this.root,
      dir: join('work', uniqueName('step')),
      keepAs: async (chainId: string, tree: string) => {
        const dir = this.layerDir(chainId);
        await renameOrDrop(tree, dir);
        return dir;
      },
    };
    const lowers = lowerDirs.map((dir) => this.shorten(dir));
    if (this.driver === 'overlay') {
      return prepareOverlay(place, lowers.length > 0 ? lowers : ['empty'], this.changes);
    }
    if (lowers.length > 1) {
      throw new Error('the copy snapshot driver takes one lower folder (a full tree)');
    }
    return prepareCopy(place, lowers[0], this.changes);
  }

  /** Paths under the root become relative, keeping overlay mount options short. */
  private shorten(dir: string): string {
    if (!isAbsolute(dir)) return dir;
    const rel = relative(this.root, dir);
    return rel.startsWith('..') ? dir : rel;
  }
}

/** A folder name that starts with our pid, so stale ones can be told apart. */
function uniqueName(kind: string): string {
  return `${process.pid}-${kind}-${randomBytes(6).toString('hex')}`;
}
