import type { Descriptor, Digest, HistoryEntry, ImageConfig } from '../image/index.js';
import { digestOf } from '../image/index.js';

// The image a stage has made so far: its config and its layers. Every step
// turns one state into the next; the cache stores states by step key.

/** A layer of a state: the blob as the manifest names it and its diffID. */
export interface LayerRef {
  descriptor: Descriptor;
  diffId: Digest;
}

/** An image under construction. */
export interface ImageState {
  config: ImageConfig;
  layers: LayerRef[];
}

/** The PATH a container gets when its image sets none. */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The state FROM scratch starts from, for a platform. */
export function scratchState(platform: { os: string; architecture: string; variant?: string }) {
  const config: ImageConfig = {
    architecture: platform.architecture,
    os: platform.os,
    ...(platform.variant ? { variant: platform.variant } : {}),
    // BuildKit's empty image: the default PATH and `/` as working directory.
    config: { Env: [`PATH=${DEFAULT_PATH}`], WorkingDir: '/' },
    rootfs: { type: 'layers', diff_ids: [] },
    history: [],
  };
  return { config, layers: [] } satisfies ImageState;
}

/** The comment BuildKit's Dockerfile front end puts on its history entries. */
export const HISTORY_COMMENT = 'buildkit.dockerfile.v0';

/** A new state with `layer` (if any) appended and a history entry for the step. */
export function commitStep(
  state: ImageState,
  createdBy: string,
  created: string,
  layer?: LayerRef,
  comment = HISTORY_COMMENT,
): ImageState {
  const config = structuredClone(state.config);
  const entry: HistoryEntry = { created, created_by: createdBy, comment };
  if (!layer) entry.empty_layer = true;
  config.history = [...(config.history ?? []), entry];
  const layers = layer ? [...state.layers, layer] : state.layers;
  config.rootfs = { type: 'layers', diff_ids: layers.map((l) => l.diffId) };
  return { config, layers };
}

/**
 * The chain ID of the first n layers (OCI image-spec: ChainID(L0) = DiffID(L0),
 * ChainID(Ln) = sha256(ChainID(Ln-1) + " " + DiffID(Ln))). Unpacked layers are
 * kept under it.
 */
export function chainId(layers: readonly LayerRef[], n = layers.length): Digest | undefined {
  let chain: Digest | undefined;
  for (const layer of layers.slice(0, n)) {
    chain = chain === undefined ? layer.diffId : digestOf(`${chain} ${layer.diffId}`);
  }
  return chain;
}

/** The created time of the newest history entry (or of the image), if any. */
export function lastCreated(state: ImageState): string | undefined {
  const history = state.config.history ?? [];
  return history[history.length - 1]?.created ?? state.config.created;
}
