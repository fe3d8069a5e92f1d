import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type Digest, digestAlgorithm, digestEncoded, parseDigest } from '../image/digest.js';
import { writeFileAtomic } from '../util/fs.js';
import { withFileLock } from './lock.js';

// Where each blob of the store was pulled from, as containerd keeps its
// `containerd.io/distribution.source.<host>` labels: a push to the same
// registry can then mount the blob from there instead of uploading it.
// One small JSON file per blob beside the layout, replaced atomically.

/** A registry repository a blob was pulled from. */
export interface BlobSource {
  /** The registry host as references name it: `127.0.0.1:5000`, `docker.io`. */
  registry: string;
  repository: string;
}

/** Sources kept per blob; the oldest fall off. */
const MAX_SOURCES = 8;

/** The per-blob source records of a store: `blob-sources/<algorithm>/<encoded>.json`. */
export class BlobSources {
  constructor(readonly root: string) {}

  private path(digest: Digest | string): string {
    return blobRecordPath(this.root, 'blob-sources', digest);
  }

  /** The sources recorded for a blob, most recent first; none if unknown or unreadable. */
  async read(digest: Digest | string): Promise<BlobSource[]> {
    const text = await readFile(this.path(digest), 'utf8').catch(() => undefined);
    if (text === undefined) return [];
    try {
      const parsed = JSON.parse(text) as { sources?: unknown };
      // A hint only: a damaged record reads as no record, never as an error.
      return Array.isArray(parsed.sources) ? parsed.sources.filter(isSource) : [];
    } catch {
      return [];
    }
  }

  /** Put `sources` first in the blob's record; unchanged records are not rewritten. */
  async record(digest: Digest | string, sources: readonly BlobSource[]): Promise<void> {
    if (sources.length === 0) return;
    const path = this.path(digest);
    const before = await this.read(digest);
    if (sources.every((s, i) => same(s, before[i]))) return;
    await mkdir(dirname(path), { recursive: true });
    await withFileLock(`${path}.lock`, async () => {
      const current = await this.read(digest);
      const rest = current.filter((c) => !sources.some((s) => same(s, c)));
      const kept = [...sources, ...rest].slice(0, MAX_SOURCES);
      // A hint, so not synced: a record lost in a crash only costs an upload.
      await writeFileAtomic(path, `${JSON.stringify({ sources: kept })}\n`);
    });
  }
}

/** Where a store keeps one blob's small record of a kind: `KIND/<algorithm>/<encoded>.json`. */
export function blobRecordPath(root: string, kind: string, digest: Digest | string): string {
  const valid = parseDigest(digest);
  return join(root, kind, digestAlgorithm(valid), `${digestEncoded(valid)}.json`);
}

function same(a: BlobSource, b: BlobSource | undefined): boolean {
  return b !== undefined && a.registry === b.registry && a.repository === b.repository;
}

function isSource(value: unknown): value is BlobSource {
  const source = value as BlobSource;
  return typeof source?.registry === 'string' && typeof source.repository === 'string';
}
