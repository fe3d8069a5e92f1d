import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { withContext } from '../errors/index.js';
import type { Descriptor } from '../image/descriptor.js';
import {
  encodeManifest,
  type ImageIndex,
  type ImageManifest,
  parseManifest,
  type RawManifest,
} from '../image/manifest.js';
import {
  DOCKER_LAYER,
  DOCKER_LAYER_GZIP,
  OCI_LAYER,
  OCI_LAYER_GZIP,
  OCI_LAYER_ZSTD,
} from '../image/media-types.js';
import { compressor } from '../layer/index.js';
import { type Emit, silent } from '../log/events.js';
import type { OciStore } from '../store/index.js';
import { forEachLimit } from './copy.js';

// Images as they leave the store. A build keeps its large layers as plain
// tars, so it never waits for a compressor (BuildKit's snapshots are not
// compressed either); a push or a layout export calls distributable() first, which
// compresses each plain layer once, keeps the blob in the store beside the
// tar, and writes a manifest naming the compressed blobs. The config, and so
// the image ID, stays the same: its diffIDs are the tars' digests.

/** How layers leave the store: `uncompressed` sends the plain tars as they are. */
export type ExportCompression = 'gzip' | 'zstd' | 'uncompressed';

/**
 * The manifest (or index) `root` of the store with every plain-tar layer
 * replaced by its compressed form, stored and ready to copy; `root` itself
 * when nothing needed compressing. Compressed layers already in their final
 * form (base image layers) are sent as they are, as buildx does without
 * force-compression.
 */
export async function distributable(
  store: OciStore,
  root: RawManifest,
  compression: ExportCompression,
  emit: Emit = silent,
  signal?: AbortSignal,
): Promise<RawManifest> {
  if (compression === 'uncompressed') return root;
  const parsed = parseManifest(root.bytes, root.mediaType);
  const how = { store, compression, emit, signal };
  const next =
    parsed.kind === 'index'
      ? await compressIndex(how, parsed.manifest)
      : await compressImage(how, parsed.manifest);
  if (next === undefined) return root;
  const raw = encodeManifest(next);
  await store.pushManifest(raw);
  return raw;
}

/** What compressing an image needs: where, how, who hears of it, and what stops it. */
interface Compressing {
  store: OciStore;
  compression: 'gzip' | 'zstd';
  emit: Emit;
  signal?: AbortSignal;
}

async function compressIndex(how: Compressing, index: ImageIndex): Promise<ImageIndex | undefined> {
  const { store, compression, emit, signal } = how;
  let changed = false;
  const manifests: Descriptor[] = [];
  for (const child of index.manifests) {
    const before = await store.fetchManifest(child.digest);
    const after = await distributable(store, before, compression, emit, signal);
    changed ||= after.digest !== before.digest;
    manifests.push({ ...child, digest: after.digest, size: after.bytes.length });
  }
  return changed ? { ...index, manifests } : undefined;
}

async function compressImage(
  how: Compressing,
  manifest: ImageManifest,
): Promise<ImageManifest | undefined> {
  const plain = manifest.layers.filter((layer) => compressedType(layer, how.compression));
  if (plain.length === 0) return undefined;
  const forms = new Map<string, Descriptor>();
  // Two at a time: pigz already takes every core for a large layer.
  await forEachLimit(plain, 2, async (layer) => {
    forms.set(layer.digest, await compressedLayer(how, layer));
  });
  const layers = manifest.layers.map((layer) => forms.get(layer.digest) ?? layer);
  return { ...manifest, layers };
}

/** The media type a plain layer gets compressed, or undefined for any other blob. */
function compressedType(layer: Descriptor, compression: 'gzip' | 'zstd'): string | undefined {
  if (layer.mediaType === OCI_LAYER)
    return compression === 'zstd' ? OCI_LAYER_ZSTD : OCI_LAYER_GZIP;
  // Docker's schema 2 has no zstd layers: a Docker image's plain layers go out as gzip.
  if (layer.mediaType === DOCKER_LAYER) return DOCKER_LAYER_GZIP;
  return undefined;
}

/** The compressed blob of a plain layer: recorded from an earlier export, or made now. */
async function compressedLayer(
  { store, compression, emit, signal }: Compressing,
  layer: Descriptor,
): Promise<Descriptor> {
  const mediaType = compressedType(layer, compression) as string;
  const name = mediaType === DOCKER_LAYER_GZIP ? 'gzip' : compression;
  const known = await store.compressedForm(layer.digest, name);
  if (known) return { ...layer, ...known, mediaType };
  emit({
    kind: 'layer.compress',
    message: `compressing layer ${layer.digest.slice(0, 19)} (${layer.size} bytes, ${name})`,
    digest: layer.digest,
    size: layer.size,
  });
  const compressed = new PassThrough();
  const [, written] = await Promise.all([
    pipeline(await store.fetchBlob(layer), compressor(name), compressed, { signal }),
    store.writeBlob(compressed),
  ]).catch((error: unknown) => {
    if (signal?.aborted) throw error;
    throw withContext(`compressing layer ${layer.digest} (${name})`, error);
  });
  const form = { mediaType, digest: written.digest, size: written.size };
  await store.recordCompressedForm(layer.digest, name, form);
  return { ...layer, ...form };
}
