import {
  buildkitPlatform,
  type Descriptor,
  type Digest,
  digestOf,
  encodeManifest,
  type ImageConfig,
  type ImageManifest,
  OCI_CONFIG,
  OCI_INDEX,
  OCI_MANIFEST,
  type Platform,
} from '../image/index.js';
import type { OciStore } from '../store/index.js';
import type { ImageState } from './state.js';

// The finished image: its config and manifest written into the local store.
// Every output (tags, registry, layout, archives) copies from there.

/** A stored image: manifest and config digests and the manifest's descriptor. */
export interface StoredImage {
  manifestDigest: Digest;
  configDigest: Digest;
  descriptor: Descriptor;
  config: ImageConfig;
  manifest: ImageManifest;
}

/** Write the config and manifest of `state` into the store (its layers are there). */
export async function storeImage(
  store: OciStore,
  state: ImageState,
  created: string,
): Promise<StoredImage> {
  const config: ImageConfig = { ...state.config, created };
  const configBytes = Buffer.from(JSON.stringify(orderConfig(config)));
  const configDescriptor: Descriptor = {
    mediaType: OCI_CONFIG,
    digest: digestOf(configBytes),
    size: configBytes.length,
  };
  await store.writeBlob(configBytes, configDescriptor);
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: configDescriptor,
    layers: state.layers.map((l) => l.descriptor),
  };
  const raw = encodeManifest(manifest);
  await store.pushManifest(raw);
  const descriptor: Descriptor = {
    mediaType: raw.mediaType,
    digest: raw.digest,
    size: raw.bytes.length,
  };
  return {
    manifestDigest: raw.digest,
    configDigest: configDescriptor.digest,
    descriptor,
    config,
    manifest,
  };
}

/** Write an OCI index of the images of several platforms (each already stored). */
export async function storeIndex(
  store: OciStore,
  images: { platform: Platform; image: StoredImage }[],
): Promise<Descriptor> {
  const raw = encodeManifest({
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: images.map(({ platform, image }) => ({
      ...image.descriptor,
      platform: buildkitPlatform(platform),
    })),
  });
  await store.pushManifest(raw);
  return { mediaType: raw.mediaType, digest: raw.digest, size: raw.bytes.length };
}

/** The config's fields in the order BuildKit writes them (stable bytes, stable digest). */
function orderConfig(config: ImageConfig): ImageConfig {
  const { created, architecture, os, variant, config: runtime, rootfs, history, ...rest } = config;
  return {
    ...(created ? { created } : {}),
    architecture,
    os,
    ...(variant ? { variant } : {}),
    ...rest,
    config: runtime ?? {},
    rootfs,
    history,
  } as ImageConfig;
}
