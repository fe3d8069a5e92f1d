// The vocabulary of snapshots: how a step's changes are read, and the
// working snapshot a step writes into.

/** How snapshots are kept: overlayfs layers, or full copies compared by walking. */
export type SnapshotDriver = 'overlay' | 'copy';

/**
 * Turns a finished step into changes. The layer module provides the real one
 * (`changesFromOverlayUpper`, `diffTrees`); the snapshotter stays generic over
 * the result type so it needs no tar code.
 */
export interface ChangeReader<C> {
  /**
   * Changes recorded in an overlayfs upper directory (whiteouts are char 0:0,
   * opaque directories carry `trusted.overlay.opaque=y`). `lowerDirs` (top
   * first) let the reader drop directories that were only copied up.
   */
  fromOverlayUpper(upperDir: string, lowerDirs: string[]): Promise<C>;
  /** Changes from tree `lower` to tree `upper`, by comparing both. */
  fromTrees(lower: string, upper: string): Promise<C>;
}

/** A writable root filesystem for one step, on top of a chain of layers. */
export interface WorkingSnapshot<C> {
  readonly driver: SnapshotDriver;
  /** The directory a step sees as `/` (a merged overlay mount or a copied tree). */
  readonly root: string;
  /** The overlay upper directory; undefined with the copy driver. */
  readonly upperDir?: string;
  /** Stop writing (unmount) and read what changed. Call once; `root` is gone after. */
  commit(): Promise<C>;
  /**
   * After `commit`, keep the result as the unpacked layer of `chainId`, so the
   * next step can stack on it without unpacking its tar. Returns its directory.
   */
  keep(chainId: string): Promise<string>;
  /** Unmount and delete whatever is left. Safe to call more than once, and in finally. */
  release(): Promise<void>;
}

/** How `ensureLayer` asks its caller to extract a layer tar into a directory. */
export type UnpackLayer = (dir: string, whiteouts: 'overlay' | 'apply') => Promise<void>;
