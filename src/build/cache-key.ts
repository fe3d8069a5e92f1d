import { createHash } from 'node:crypto';

// Cache keys: every part of a step that can change its result goes into one
// JSON array, so two different lists of parts can never encode to the same
// bytes (JSON strings are quoted and escaped; no concatenation collisions).

/** The version of the key scheme; bump it when the meaning of a part changes. */
export const CACHE_SCHEME = 'slipway.build.cache.v1';

/** A JSON-encodable part of a cache key. */
export type KeyPart = string | number | boolean | null | KeyPart[] | { [k: string]: KeyPart };

/** The key of a step: sha256 over the JSON array of the scheme, parent and parts. */
export function stepKey(parent: string | null, kind: string, ...parts: KeyPart[]): string {
  return digestParts([CACHE_SCHEME, parent, kind, ...parts]);
}

/** sha256 over a JSON encoding of parts, with object keys in sorted order. */
export function digestParts(parts: KeyPart[]): string {
  const hash = createHash('sha256').update(canonicalJson(parts));
  return `sha256:${hash.digest('hex')}`;
}

/** JSON with object keys sorted, so equal values always encode the same. */
export function canonicalJson(value: KeyPart): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value).sort();
  const fields = keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k] as KeyPart)}`);
  return `{${fields.join(',')}}`;
}

/** Incremental digest over a list of records, each JSON-encoded on its own line. */
export class RecordDigest {
  private readonly hash = createHash('sha256');
  private count = 0;

  add(record: KeyPart[]): void {
    this.hash.update(canonicalJson(record));
    this.hash.update('\n');
    this.count += 1;
  }

  get size(): number {
    return this.count;
  }

  digest(): string {
    return `sha256:${this.hash.digest('hex')}`;
  }
}
