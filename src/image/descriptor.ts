import type { Digest } from './digest.js';
import type { Platform } from './platform.js';

/** A pointer to content: what it is, its digest and its size (OCI descriptor). */
export interface Descriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  urls?: string[];
  annotations?: Record<string, string>;
  platform?: Platform;
  artifactType?: string;
}

/** The annotation OCI layouts use to name a manifest in index.json. */
export const ANNOTATION_REF_NAME = 'org.opencontainers.image.ref.name';
export const ANNOTATION_CREATED = 'org.opencontainers.image.created';
/** containerd's name for a full image reference in an OCI layout. */
export const ANNOTATION_IMAGE_NAME = 'io.containerd.image.name';
