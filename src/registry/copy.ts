import { withContext } from '../errors/index.js';
import type { Descriptor } from '../image/descriptor.js';
import { type ParsedManifest, parseManifest, type RawManifest } from '../image/manifest.js';
import { hostPlatform, type Platform } from '../image/platform.js';
import { selectManifest } from '../image/select.js';
import type { ImageSource, ImageTarget } from '../image/transport.js';
import { type Emit, silent } from '../log/events.js';
import { OciStore } from '../store/index.js';
import { RegistryClient } from './client.js';
import { blobOrigins, mountCandidates, mountFromAny } from './mount-sources.js';

// Copying an image between any two back ends: blobs first (in parallel,
// skipping what the target has, mounting within one registry: from the source
// repository, or from where a stored blob was pulled), manifests last, so a
// target never holds a manifest that points at a missing blob.

/** What to copy and how. */
export interface CopyOptions {
  /** Tag the copied manifest gets at the target; without one it is stored by digest. */
  tag?: string;
  /** From an index: one platform (default: this machine's) or all of them. */
  platform?: Platform | 'all';
  /** Blobs in flight at once. */
  concurrency?: number;
  /** Record where each blob came from in an OciStore target (the local store). */
  recordSources?: boolean;
  /** Stops the copy between blobs; a stopped copy writes no manifest. */
  signal?: AbortSignal;
  emit?: Emit;
}

/** The manifest written at the target. */
export interface CopyResult {
  manifest: RawManifest;
  descriptor: Descriptor;
  /** Blobs by what happened to them. */
  blobs: { copied: number; skipped: number; mounted: number };
}

/** Copy the image or index `selector` names from `source` to `target`. */
export async function copyImage(
  source: ImageSource,
  target: ImageTarget,
  selector: string,
  options: CopyOptions = {},
): Promise<CopyResult> {
  const stats = { copied: 0, skipped: 0, mounted: 0 };
  const copier = new Copier(source, target, options, stats);
  const root = await source.fetchManifest(selector);
  const parsed = parseManifest(root.bytes, root.mediaType);
  const platform = options.platform ?? hostPlatform();
  let written: RawManifest;
  if (parsed.kind === 'index' && platform !== 'all') {
    const child = pickPlatform(parsed, platform, selector);
    written = await source.fetchManifest(child.digest);
    await copier.image(written, options.tag);
  } else {
    written = root;
    await copier.image(root, options.tag);
  }
  const descriptor = {
    mediaType: written.mediaType,
    digest: written.digest,
    size: written.bytes.length,
  };
  return { manifest: written, descriptor, blobs: stats };
}

/**
 * The entry of an index for `platform`, in containerd's variant order (arm/v7
 * takes v7, then v6; amd64 takes plain amd64, never v3); the error lists what
 * the index has.
 */
export function pickPlatform(
  parsed: ParsedManifest & { kind: 'index' },
  platform: Platform,
  selector: string,
): Descriptor {
  try {
    return selectManifest(parsed.manifest, platform);
  } catch (error) {
    throw withContext(selector, error);
  }
}

class Copier {
  private readonly emit: Emit;
  constructor(
    private readonly source: ImageSource,
    private readonly target: ImageTarget,
    private readonly options: CopyOptions,
    private readonly stats: CopyResult['blobs'],
  ) {
    this.emit = options.emit ?? silent;
  }

  async image(manifest: RawManifest, tag?: string): Promise<void> {
    const parsed = parseManifest(manifest.bytes, manifest.mediaType);
    if (parsed.kind === 'index') {
      for (const child of parsed.manifest.manifests) {
        await this.image(await this.source.fetchManifest(child.digest));
      }
    } else {
      const blobs = [parsed.manifest.config, ...parsed.manifest.layers];
      await forEachLimit(blobs, this.options.concurrency ?? 4, (blob) => this.blob(blob));
    }
    this.options.signal?.throwIfAborted();
    await this.target.pushManifest(manifest, tag);
    this.emit({
      kind: 'copy.manifest',
      message: `manifest ${manifest.digest}${tag ? ` as ${tag}` : ''}`,
      digest: manifest.digest,
      tag,
    });
  }

  private async blob(descriptor: Descriptor): Promise<void> {
    this.options.signal?.throwIfAborted();
    if (/foreign|nondistributable/.test(descriptor.mediaType)) return;
    const { source, target } = this;
    let action: 'skipped' | 'mounted' | 'copied' = 'copied';
    let from: string | undefined;
    const open = () => source.fetchBlob(descriptor);
    if (await target.hasBlob(descriptor)) {
      action = 'skipped';
    } else if (target instanceof RegistryClient) {
      const candidates = await mountCandidates(source, target, descriptor);
      from = await mountFromAny(target, descriptor, candidates, this.emit);
      if (from !== undefined) action = 'mounted';
      else await target.pushBlob(descriptor, open);
    } else {
      await target.pushBlob(descriptor, open);
    }
    if (this.options.recordSources && target instanceof OciStore) {
      await target.recordBlobSources(descriptor.digest, blobOrigins(source));
    }
    if (source instanceof OciStore && target instanceof RegistryClient) {
      // Now in that repository too: a later push to another one of the registry mounts it.
      await source.recordBlobSources(descriptor.digest, blobOrigins(target));
    }
    this.stats[action]++;
    const origin = from === undefined ? '' : ` from ${from}`;
    this.emit({
      kind: 'copy.blob',
      message: `${descriptor.digest.slice(0, 19)} ${action}${origin} (${descriptor.size} bytes)`,
      digest: descriptor.digest,
      size: descriptor.size,
      action,
      ...(from === undefined ? {} : { from }),
    });
  }
}

/** Run `work` on every item with at most `limit` at once; the first failure wins. */
export async function forEachLimit<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  });
  await Promise.all(runners);
}
