import { InputError } from '../errors/index.js';
import type {
  ContainerConfig,
  Descriptor,
  Digest,
  HistoryEntry,
  ImageConfig,
  ImageManifest,
  Platform,
} from '../image/index.js';
import { OCI_CONFIG, OCI_MANIFEST } from '../image/index.js';

// Pure edits of an image: each takes a config (and manifest) and returns new
// ones, leaving its arguments untouched. Encoding to bytes is in encode.ts.

/** A layer as an image records it: its blob descriptor and its diffID. */
export interface LayerRecord {
  descriptor: Descriptor;
  diffId: Digest;
}

/** An image's config and manifest, edited together. */
export interface EditedImage {
  config: ImageConfig;
  manifest: ImageManifest;
}

/** A config and manifest with no layers, for `FROM scratch`. */
export function emptyImage(platform: Platform): EditedImage {
  const config: ImageConfig = {
    architecture: platform.architecture,
    os: platform.os,
    ...(platform.variant ? { variant: platform.variant } : {}),
    config: {},
    rootfs: { type: 'layers', diff_ids: [] },
    history: [],
  };
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    // Filled in when the config is encoded (see encodeImage).
    config: { mediaType: OCI_CONFIG, digest: '' as Digest, size: 0 },
    layers: [],
  };
  return { config, manifest };
}

/** Add a layer on top, with the history entry that made it. */
export function appendLayer(
  config: ImageConfig,
  manifest: ImageManifest,
  layer: LayerRecord,
  history: HistoryEntry,
): EditedImage {
  checkConsistent(config, manifest);
  const entry: HistoryEntry = { ...history };
  delete entry.empty_layer;
  return {
    config: {
      ...config,
      rootfs: { type: 'layers', diff_ids: [...config.rootfs.diff_ids, layer.diffId] },
      history: [...(config.history ?? []), entry],
    },
    manifest: { ...manifest, layers: [...manifest.layers, layer.descriptor] },
  };
}

/** Record a step that changed no files (ENV, LABEL, …) in the history. */
export function addEmptyHistory(config: ImageConfig, history: HistoryEntry): ImageConfig {
  return { ...config, history: [...(config.history ?? []), { ...history, empty_layer: true }] };
}

/** Set fields of the runtime config (`config` in the image config); `undefined` unsets. */
export function setConfig(config: ImageConfig, partial: Partial<ContainerConfig>): ImageConfig {
  const merged: ContainerConfig = { ...(config.config ?? {}) };
  for (const [key, value] of Object.entries(partial) as [keyof ContainerConfig, unknown][]) {
    if (value === undefined) delete merged[key];
    else (merged as Record<string, unknown>)[key] = value;
  }
  return { ...config, config: merged };
}

/** Set top-level config fields such as `created` and `author`. */
export function setImageFields(
  config: ImageConfig,
  fields: Partial<Pick<ImageConfig, 'created' | 'author' | 'architecture' | 'os' | 'variant'>>,
): ImageConfig {
  return { ...config, ...fields };
}

/** A config and manifest disagree when their layer counts differ. */
export function checkConsistent(config: ImageConfig, manifest: ImageManifest): void {
  const diffIds = config.rootfs.diff_ids.length;
  if (diffIds !== manifest.layers.length) {
    throw new InputError(
      'IMAGE_INCONSISTENT',
      `image config lists ${diffIds} diff_ids but the manifest has ${manifest.layers.length} layers`,
    );
  }
  const layered = (config.history ?? []).filter((entry) => !entry.empty_layer).length;
  if (config.history && config.history.length > 0 && layered !== diffIds) {
    throw new InputError(
      'IMAGE_INCONSISTENT',
      `image history has ${layered} non-empty entries but the config lists ${diffIds} layers`,
    );
  }
}
