import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Descriptor } from '../image/descriptor.js';
import type { Digest } from '../image/digest.js';
import { blobRecordPath } from './blob-sources.js';
import { writeDurably } from './index-file.js';
import { withFileLock } from './lock.js';

// The compressed forms of the store's plain-tar layers. A build keeps the
// layers it makes uncompressed, as BuildKit's snapshots do; the first push or
// layout export compresses each one and records the blob here, so the next
// push sends the same bytes without compressing again. One JSON file per
// layer, keyed by the compression: `compressed/<algorithm>/<encoded>.json`.

/** The compressed blobs recorded for one plain layer, by compression name. */
type Forms = Record<string, Descriptor>;

export class CompressedForms {
  constructor(readonly root: string) {}

  private path(digest: Digest | string): string {
    return blobRecordPath(this.root, 'compressed', digest);
  }

  /** The recorded form of `digest` compressed with `compression`, if any. */
  async read(digest: Digest | string, compression: string): Promise<Descriptor | undefined> {
    const form = (await this.readAll(digest))[compression];
    return isDescriptor(form) ? form : undefined;
  }

  /** Record `form` as the `compression` form of the plain layer `digest`. */
  async record(digest: Digest | string, compression: string, form: Descriptor): Promise<void> {
    const path = this.path(digest);
    await mkdir(dirname(path), { recursive: true });
    await withFileLock(`${path}.lock`, async () => {
      const forms = { ...(await this.readAll(digest)), [compression]: form };
      await writeDurably(path, `${JSON.stringify(forms)}\n`);
    });
  }

  private async readAll(digest: Digest | string): Promise<Forms> {
    const text = await readFile(this.path(digest), 'utf8').catch(() => undefined);
    if (text === undefined) return {};
    try {
      const parsed = JSON.parse(text) as unknown;
      // A hint only: a damaged record reads as none, and the layer is compressed again.
      return typeof parsed === 'object' && parsed !== null ? (parsed as Forms) : {};
    } catch {
      return {};
    }
  }
}

function isDescriptor(value: unknown): value is Descriptor {
  const d = value as Descriptor | undefined;
  return (
    typeof d?.mediaType === 'string' && typeof d.digest === 'string' && typeof d.size === 'number'
  );
}
