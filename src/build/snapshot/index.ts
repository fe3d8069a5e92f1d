// Snapshots: unpacked layers by chain ID and the writable root filesystem
// each build step works in, with its changes read back afterwards.

export { LOWERDIR_LIMIT, planStack } from './overlay.js';
export { openSnapshotter, Snapshotter, type SnapshotterOptions } from './snapshotter.js';
export { mountPoints, removeStale } from './stale.js';
export type { ChangeReader, SnapshotDriver, UnpackLayer, WorkingSnapshot } from './types.js';
