import { PassThrough } from 'node:stream';
import { IN_PROCESS_BYTES, writeLayer } from '../../layer/index.js';
import type { StageRun } from '../stage.js';
import { commitStep, type ImageState, type LayerRef } from '../state.js';
import type { Workspace } from '../workspace.js';

// The end of a step that changed files: the workspace's changes become a
// layer blob in the store (none if nothing changed), the new state is kept in
// the cache under the step's key and the workspace as its unpacked form.

/** The part of a stage's position a step's commit reads and moves. */
export type StepPosition = Pick<StageRun, 'env' | 'state' | 'key'>;

/** Turn a workspace's changes into the stage's next state. */
export async function commitWorkspace(
  run: StepPosition,
  workspace: Workspace,
  key: string,
  createdBy: string,
  keep = true,
  comment?: string,
): Promise<ImageState> {
  const changes = await workspace.changes();
  let layer: LayerRef | undefined;
  if (changes.length > 0) {
    const sink = new PassThrough();
    const [written] = await Promise.all([
      // A large layer is kept as a plain tar, so no build waits for its compression:
      // the push or export that needs it compressed compresses it. Small ones cost
      // nothing to gzip in process, and then nothing at a push.
      writeLayer(changes, sink, {
        plainAbove: IN_PROCESS_BYTES,
        sourceDateEpoch: run.env.options.sourceDateEpoch,
        signal: run.env.signal,
      }),
      run.env.store.writeBlob(sink),
    ]);
    layer = {
      descriptor: { mediaType: written.mediaType, digest: written.digest, size: written.size },
      diffId: written.diffId,
    };
  }
  const next = commitStep(run.state, createdBy, run.env.created, layer, comment);
  if (layer && keep) await workspace.keep(next);
  await run.env.cache.put(key, next);
  return next;
}

/**
 * Look a step up in the cache (with --no-cache, among this build's steps only); a
 * hit moves the stage on. A miss whose twin is running (another platform's) waits
 * for it and hits.
 */
export async function cachedStep(run: StepPosition, key: string): Promise<boolean> {
  const { cache, options } = run.env;
  for (;;) {
    // --no-cache ignores earlier builds, not this one: a twin step (the same
    // stage for another platform) takes the result its first run produced.
    const hit = options.noCache
      ? cache.builtNow(key)
      : await cache.get(key, run.state.layers.length);
    if (hit) {
      run.state = hit;
      run.key = key;
      return true;
    }
    if (await cache.claim(key, run.env.signal)) return false;
  }
}
