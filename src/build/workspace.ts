import { withContext } from '../errors/index.js';
import type { Change } from '../layer/index.js';
import { applyLayer } from '../layer/index.js';
import type { Emit } from '../log/index.js';
import type { OciStore } from '../store/index.js';
import { layerChanges, openSnapshotter, type Snapshotter } from './snapshot/index.js';
import { chainId, type ImageState } from './state.js';

// The root filesystems steps run on: a writable snapshot over a state's
// layers, unpacked once per chain ID from the local store and then reused by
// every later build. Its changes become the step's layer.

/** A writable root for one step. */
export interface Workspace {
  /** The root filesystem the step reads and writes. */
  root: string;
  /** Stop writing and read what the step changed. */
  changes(): Promise<Change[]>;
  /** Keep the changed tree as the unpacked form of `next` (the state with the step's layer). */
  keep(next: ImageState): Promise<void>;
  /** Unmount and delete what is left; safe in finally. */
  release(): Promise<void>;
}

/** Opens workspaces over image states. */
export class Workspaces {
  private opened?: Promise<Snapshotter<Change[]>>;

  private constructor(
    private readonly openSnapshots: () => Promise<Snapshotter<Change[]>>,
    private readonly store: OciStore,
  ) {}

  /**
   * The snapshot root is opened (stale work removed, overlay probed) when a step
   * first needs a root: a build whose steps all hit never pays for it.
   */
  static async open(store: OciStore, root: string, emit: Emit): Promise<Workspaces> {
    const snapshots = () =>
      openSnapshotter<Change[]>({
        root,
        emit,
        changes: layerChanges,
      });
    return new Workspaces(snapshots, store);
  }

  private get snapshots(): Promise<Snapshotter<Change[]>> {
    this.opened ??= this.openSnapshots();
    return this.opened;
  }

  /** A writable root over `state`'s layers (their blobs must be in the store). */
  async open(state: ImageState): Promise<Workspace> {
    const snapshots = await this.snapshots;
    const lowers = await this.unpack(state);
    const snapshot = await snapshots.prepare(lowers);
    let changes: Change[] | undefined;
    return {
      root: snapshot.root,
      changes: async () => {
        changes ??= await snapshot.commit();
        return changes;
      },
      keep: async (next) => {
        const id = chainId(next.layers);
        if (id !== undefined && !(await snapshots.has(id))) await snapshot.keep(id);
      },
      release: () => snapshot.release(),
    };
  }

  /** A root to read from (COPY --from, bind mounts); writes to it are thrown away. */
  async view(state: ImageState): Promise<{ root: string; release(): Promise<void> }> {
    const lowers = await this.unpack(state);
    const snapshot = await (await this.snapshots).prepare(lowers);
    return { root: snapshot.root, release: () => snapshot.release() };
  }

  /** Unpack every layer not unpacked yet; the lower folders, top first. */
  private async unpack(state: ImageState): Promise<string[]> {
    const snapshots = await this.snapshots;
    const chainIds: string[] = [];
    for (let n = 1; n <= state.layers.length; n += 1) {
      const id = chainId(state.layers, n) as string;
      const layer = state.layers[n - 1]!;
      const parent = chainIds[chainIds.length - 1];
      await snapshots.ensureLayer(id, parent, async (dir, whiteouts) => {
        const blob = await this.store.fetchBlob(layer.descriptor);
        await applyLayer(blob, dir, { whiteouts }).catch((error: unknown) => {
          throw withContext(`unpacking ${layer.descriptor.digest}`, error);
        });
      });
      chainIds.push(id);
    }
    return snapshots.lowerDirs(chainIds);
  }
}
