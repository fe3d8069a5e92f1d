import type { BuildResult } from '../../build/index.js';
import { formatReference, parseReference } from '../../image/index.js';

// `--metadata-file`: what `docker buildx build` writes for an image export.
// Keys come sorted, as buildx marshals a map; the descriptor keeps BuildKit's
// field order (mediaType, digest, size). `image.name` lists the tags as
// BuildKit's exporters normalise them (`x` is `docker.io/library/x:latest`),
// comma-joined, and is left out when the build has no tag. buildx's own keys
// (`buildx.build.ref`, provenance) name builder state slipway does not have.

/** The JSON object of a metadata file for a build tagged `tags`. */
export function buildMetadata(result: BuildResult, tags: readonly string[]) {
  return {
    // An index (several platforms) has no config of its own, as in buildx's file.
    ...(result.manifests ? {} : { 'containerimage.config.digest': result.configDigest }),
    'containerimage.descriptor': {
      mediaType: result.descriptor.mediaType,
      digest: result.descriptor.digest,
      size: result.descriptor.size,
    },
    'containerimage.digest': result.digest,
    ...(tags.length > 0 ? { 'image.name': tags.map(normalizedName).join(',') } : {}),
  };
}

/** A tag as BuildKit names it: fully qualified, `latest` when neither tag nor digest. */
function normalizedName(tag: string): string {
  return formatReference(parseReference(tag));
}
