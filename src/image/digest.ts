import { createHash, type Hash } from 'node:crypto';
import { InputError } from '../errors/index.js';

/** A content digest, `algorithm:encoded`, as the OCI image spec defines it. */
export type Digest = string & { readonly __digest: unique symbol };

export type DigestAlgorithm = 'sha256' | 'sha512';

const ENCODED_LENGTH: Record<DigestAlgorithm, number> = { sha256: 64, sha512: 128 };

/** Parse and validate a digest; only the registered algorithms are accepted. */
export function parseDigest(text: string): Digest {
  const colon = text.indexOf(':');
  const algorithm = text.slice(0, colon);
  const encoded = text.slice(colon + 1);
  if (colon < 0 || !(algorithm in ENCODED_LENGTH)) {
    throw new InputError(
      'INVALID_DIGEST',
      `invalid digest ${JSON.stringify(text)}: expected sha256:<64 hex> or sha512:<128 hex>`,
    );
  }
  const length = ENCODED_LENGTH[algorithm as DigestAlgorithm];
  if (encoded.length !== length || !/^[a-f0-9]+$/.test(encoded)) {
    throw new InputError(
      'INVALID_DIGEST',
      `invalid digest ${JSON.stringify(text)}: ${algorithm} needs ${length} lowercase hex digits`,
    );
  }
  return text as Digest;
}

export function isDigest(text: string): boolean {
  try {
    parseDigest(text);
    return true;
  } catch {
    return false;
  }
}

export function digestAlgorithm(digest: Digest): DigestAlgorithm {
  return digest.slice(0, digest.indexOf(':')) as DigestAlgorithm;
}

/** The hex part of a digest, used as a file name in blob stores. */
export function digestEncoded(digest: Digest): string {
  return digest.slice(digest.indexOf(':') + 1);
}

/** The digest of bytes held in memory (manifests, configs). */
export function digestOf(
  content: string | Uint8Array,
  algorithm: DigestAlgorithm = 'sha256',
): Digest {
  return `${algorithm}:${createHash(algorithm).update(content).digest('hex')}` as Digest;
}

/** Incremental digest over streamed content, counting bytes as it goes. */
export class Digester {
  readonly algorithm: DigestAlgorithm;
  private readonly hash: Hash;
  private bytes = 0;

  constructor(algorithm: DigestAlgorithm = 'sha256') {
    this.algorithm = algorithm;
    this.hash = createHash(algorithm);
  }

  update(chunk: Uint8Array): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
  }

  get size(): number {
    return this.bytes;
  }

  digest(): Digest {
    return `${this.algorithm}:${this.hash.digest('hex')}` as Digest;
  }
}
