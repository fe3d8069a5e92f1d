import {
  convertManifest,
  type Descriptor,
  digestOf,
  encodeManifest,
  type ImageConfig,
  type ImageManifest,
  type ManifestFormat,
  OCI_CONFIG,
  type RawManifest,
} from '../image/index.js';
import { checkConsistent } from './mutate.js';

/** An image ready to store or push: config blob and manifest, as bytes with digests. */
export interface EncodedImage {
  config: { bytes: Buffer; descriptor: Descriptor };
  manifest: RawManifest;
  /** The manifest as an object, its config descriptor filled in. */
  parsed: ImageManifest;
}

/** The bytes of a config, as stored and pushed. */
export function encodeConfig(config: ImageConfig): Buffer {
  return Buffer.from(JSON.stringify(config));
}

/**
 * Encode config and manifest, in OCI or Docker schema 2 media types: the
 * config's descriptor goes into the manifest, the manifest gets its digest.
 */
export function encodeImage(
  config: ImageConfig,
  manifest: ImageManifest,
  format: ManifestFormat = 'oci',
): EncodedImage {
  checkConsistent(config, manifest);
  const bytes = encodeConfig(config);
  const withConfig: ImageManifest = {
    ...manifest,
    config: { mediaType: OCI_CONFIG, digest: digestOf(bytes), size: bytes.length },
  };
  const parsed = convertManifest(withConfig, format);
  return { config: { bytes, descriptor: parsed.config }, manifest: encodeManifest(parsed), parsed };
}
