import type { Readable } from 'node:stream';
import type { Descriptor } from './descriptor.js';
import type { RawManifest } from './manifest.js';

// The verbs every image back end speaks: the registry client and the local
// store read and write images through these, so copying is one algorithm.

/** Where images are read from. */
export interface ImageSource {
  /** A manifest by tag or digest, bytes as stored, verified when asked by digest. */
  fetchManifest(selector: string): Promise<RawManifest>;
  /** A blob as a stream that fails if its content does not match `descriptor`. */
  fetchBlob(descriptor: Descriptor): Promise<Readable>;
}

/** Where images are written to. Blobs first, manifests last. */
export interface ImageTarget {
  hasBlob(descriptor: Descriptor): Promise<boolean>;
  /** `open` may be called again to restart a failed upload from the beginning. */
  pushBlob(descriptor: Descriptor, open: () => Promise<Readable>): Promise<void>;
  /** Store a manifest under its digest and, if given, a tag. */
  pushManifest(manifest: RawManifest, tag?: string): Promise<void>;
}
