import { InputError, messageOf } from '../errors/index.js';
import type { Descriptor } from './descriptor.js';
import { type Digest, digestOf, parseDigest } from './digest.js';
import {
  DOCKER_MANIFEST,
  DOCKER_MANIFEST_LIST,
  isIndexType,
  OCI_INDEX,
  OCI_MANIFEST,
} from './media-types.js';

/** An image manifest: OCI image manifest or Docker schema 2 (same shape). */
export interface ImageManifest {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  config: Descriptor;
  layers: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

/** An index: OCI image index or Docker manifest list (same shape). */
export interface ImageIndex {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  manifests: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

/** Manifest bytes exactly as stored or served, with what they parse to. */
export interface RawManifest {
  mediaType: string;
  digest: Digest;
  bytes: Buffer;
}

export type ParsedManifest =
  | { kind: 'image'; mediaType: string; manifest: ImageManifest }
  | { kind: 'index'; mediaType: string; manifest: ImageIndex };

/**
 * Parse manifest bytes. The media type comes from the transport (Content-Type)
 * when known, else from the document; a disagreement is an error.
 */
export function parseManifest(bytes: Uint8Array, transportType?: string): ParsedManifest {
  let document: unknown;
  try {
    document = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (error) {
    throw new InputError(
      'MALFORMED_MANIFEST',
      `malformed manifest JSON: ${(error as Error).message}`,
    );
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new InputError('MALFORMED_MANIFEST', 'malformed manifest: not a JSON object');
  }
  const fields = document as Record<string, unknown>;
  if (fields.schemaVersion !== 2) {
    throw new InputError(
      'UNSUPPORTED_MANIFEST',
      `unsupported manifest schemaVersion ${JSON.stringify(fields.schemaVersion)}: only schema 2 is read`,
    );
  }
  const declared = typeof fields.mediaType === 'string' ? fields.mediaType : undefined;
  const mediaType = pickMediaType(declared, transportType, fields);
  if (isIndexType(mediaType)) {
    if (!Array.isArray(fields.manifests)) {
      throw new InputError('MALFORMED_MANIFEST', 'malformed index: "manifests" is not a list');
    }
    for (const [i, entry] of (fields.manifests as unknown[]).entries()) {
      checkDescriptor(entry, `manifests[${i}]`);
    }
    return { kind: 'index', mediaType, manifest: document as ImageIndex };
  }
  checkDescriptor(fields.config, 'config');
  if (!Array.isArray(fields.layers)) {
    throw new InputError('MALFORMED_MANIFEST', 'malformed manifest: "layers" is not a list');
  }
  for (const [i, entry] of (fields.layers as unknown[]).entries()) {
    checkDescriptor(entry, `layers[${i}]`);
  }
  return { kind: 'image', mediaType, manifest: document as ImageManifest };
}

function pickMediaType(
  declared: string | undefined,
  transportType: string | undefined,
  fields: Record<string, unknown>,
): string {
  const known = [OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_MANIFEST_LIST];
  const transport = transportType && known.includes(transportType) ? transportType : undefined;
  if (declared && transport && declared !== transport) {
    throw new InputError(
      'MALFORMED_MANIFEST',
      `manifest says mediaType ${declared} but was served as ${transport}`,
    );
  }
  const mediaType = declared ?? transport ?? ('manifests' in fields ? OCI_INDEX : OCI_MANIFEST);
  if (!known.includes(mediaType)) {
    throw new InputError('UNSUPPORTED_MANIFEST', `unsupported manifest media type ${mediaType}`);
  }
  return mediaType;
}

function checkDescriptor(value: unknown, where: string): void {
  const d = value as Partial<Descriptor> | null;
  const valid =
    typeof d === 'object' &&
    d !== null &&
    typeof d.mediaType === 'string' &&
    typeof d.digest === 'string' &&
    /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/.test(d.digest) &&
    Number.isSafeInteger(d.size) &&
    (d.size as number) >= 0;
  if (!valid) {
    throw new InputError(
      'MALFORMED_MANIFEST',
      `malformed manifest: ${where} is not a descriptor (mediaType, digest, size)`,
    );
  }
  // Content is verified by its digest, so one that cannot be checked is refused here.
  try {
    parseDigest(d.digest as string);
  } catch (error) {
    throw new InputError(
      'MALFORMED_MANIFEST',
      `malformed manifest: ${where} has an ${messageOf(error)}`,
    );
  }
}

/** Serialise a manifest the way registries and layouts store it, with its digest. */
export function encodeManifest(manifest: ImageManifest | ImageIndex): RawManifest {
  const bytes = Buffer.from(JSON.stringify(manifest));
  const mediaType = manifest.mediaType ?? ('manifests' in manifest ? OCI_INDEX : OCI_MANIFEST);
  return { mediaType, digest: digestOf(bytes), bytes };
}
