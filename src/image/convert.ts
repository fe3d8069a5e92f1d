import { UsageError } from '../errors/index.js';
import type { Descriptor } from './descriptor.js';
import type { ImageIndex, ImageManifest } from './manifest.js';
import {
  DOCKER_CONFIG,
  DOCKER_FOREIGN_LAYER_GZIP,
  DOCKER_LAYER,
  DOCKER_LAYER_GZIP,
  DOCKER_MANIFEST,
  DOCKER_MANIFEST_LIST,
  OCI_CONFIG,
  OCI_INDEX,
  OCI_LAYER,
  OCI_LAYER_GZIP,
  OCI_LAYER_ZSTD,
  OCI_MANIFEST,
} from './media-types.js';

// Converting between OCI and Docker schema 2 media types, for docker-archive
// output and `--format`. The content (config JSON, layer blobs) is the same in
// both; only the media types, and so the manifest bytes, change.

/** The non-distributable OCI layer type, which Docker calls a foreign layer. */
export const OCI_NONDISTRIBUTABLE_LAYER_GZIP =
  'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip';

/** Which family of media types a manifest uses. */
export type ManifestFormat = 'oci' | 'docker';

const OCI_TO_DOCKER: Record<string, string> = {
  [OCI_MANIFEST]: DOCKER_MANIFEST,
  [OCI_INDEX]: DOCKER_MANIFEST_LIST,
  [OCI_CONFIG]: DOCKER_CONFIG,
  [OCI_LAYER_GZIP]: DOCKER_LAYER_GZIP,
  [OCI_LAYER]: DOCKER_LAYER,
  [OCI_NONDISTRIBUTABLE_LAYER_GZIP]: DOCKER_FOREIGN_LAYER_GZIP,
};
const DOCKER_TO_OCI: Record<string, string> = Object.fromEntries(
  Object.entries(OCI_TO_DOCKER).map(([oci, docker]) => [docker, oci]),
);

/** The media type in the other family; types that have no counterpart are refused. */
export function convertMediaType(mediaType: string, format: ManifestFormat): string {
  const table = format === 'docker' ? OCI_TO_DOCKER : DOCKER_TO_OCI;
  const own = format === 'docker' ? DOCKER_TO_OCI : OCI_TO_DOCKER;
  if (mediaType in own) return mediaType;
  const converted = table[mediaType];
  if (converted !== undefined) return converted;
  if (mediaType === OCI_LAYER_ZSTD && format === 'docker') {
    throw new UsageError('zstd layers have no Docker schema 2 media type', {
      hint: 'use OCI media types (--format oci) or gzip compression',
    });
  }
  throw new UsageError(`media type ${mediaType} has no ${format} equivalent`);
}

/** Which family a manifest or descriptor media type belongs to. */
export function formatOf(mediaType: string | undefined): ManifestFormat {
  return mediaType !== undefined && mediaType in DOCKER_TO_OCI ? 'docker' : 'oci';
}

/** An image manifest with every media type in the given family. */
export function convertManifest(manifest: ImageManifest, format: ManifestFormat): ImageManifest {
  const converted: ImageManifest = {
    schemaVersion: 2,
    mediaType: convertMediaType(manifest.mediaType ?? OCI_MANIFEST, format),
    config: convertDescriptor(manifest.config, format),
    layers: manifest.layers.map((layer) => convertDescriptor(layer, format)),
  };
  // Docker schema 2 has no place for these; OCI keeps them.
  if (format === 'oci') {
    if (manifest.subject) converted.subject = manifest.subject;
    if (manifest.annotations) converted.annotations = manifest.annotations;
  }
  return converted;
}

/** An index with its own and its entries' media types in the given family. */
export function convertIndex(index: ImageIndex, format: ManifestFormat): ImageIndex {
  const converted: ImageIndex = {
    schemaVersion: 2,
    mediaType: convertMediaType(index.mediaType ?? OCI_INDEX, format),
    manifests: index.manifests.map((entry) => convertDescriptor(entry, format)),
  };
  if (format === 'oci' && index.annotations) converted.annotations = index.annotations;
  return converted;
}

/** A descriptor with its media type converted; Docker keeps no annotations. */
export function convertDescriptor(descriptor: Descriptor, format: ManifestFormat): Descriptor {
  const { mediaType, digest, size, urls, annotations, platform } = descriptor;
  return {
    mediaType: convertMediaType(mediaType, format),
    digest,
    size,
    ...(urls ? { urls } : {}),
    ...(annotations && format === 'oci' ? { annotations } : {}),
    ...(platform ? { platform } : {}),
  };
}
