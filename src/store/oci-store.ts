import { access, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { InputError, SlipwayError } from '../errors/index.js';
import {
  ANNOTATION_IMAGE_NAME,
  ANNOTATION_REF_NAME,
  type Descriptor,
} from '../image/descriptor.js';
import { type Digest, isDigest, parseDigest } from '../image/digest.js';
import { parseManifest, type RawManifest } from '../image/manifest.js';
import { formatReference, parseReference } from '../image/reference.js';
import type { ImageSource, ImageTarget } from '../image/transport.js';
import { type BlobSource, BlobSources } from './blob-sources.js';
import { type BlobContent, BlobDirectory, type WrittenBlob } from './blobs.js';
import { CompressedForms } from './compressed-forms.js';
import { readIndex, updateIndex, writeDurably } from './index-file.js';
import type { ExpectedContent } from './verify.js';

const LAYOUT_VERSION = '1.0.0';
const WRITE_ATTEMPTS = 3;

/** A name in the store with the manifest it points at. */
export interface StoreTag {
  name: string;
  descriptor: Descriptor;
}

/**
 * The local image store: an OCI image layout directory that skopeo (`oci:DIR:name`)
 * and umoci read. Names with a `/`, `:` or `@` are image references and are stored
 * fully qualified (`docker.io/library/busybox:latest`); others are plain tags.
 */
export class OciStore implements ImageSource, ImageTarget {
  readonly dir: string;
  private readonly blobs: BlobDirectory;
  private readonly sources: BlobSources;
  private readonly compressed: CompressedForms;

  constructor(dir: string) {
    this.dir = dir;
    this.blobs = new BlobDirectory(dir);
    this.sources = new BlobSources(dir);
    this.compressed = new CompressedForms(dir);
  }

  /** The registry repositories a blob was pulled from, most recent first. */
  blobSources(digest: Digest | string): Promise<BlobSource[]> {
    return this.sources.read(digest);
  }

  /** Remember that a blob was pulled from `sources` (for mounting it on a later push). */
  recordBlobSources(digest: Digest | string, sources: readonly BlobSource[]): Promise<void> {
    return this.sources.record(digest, sources);
  }

  /** The stored blob that is the plain layer `digest` compressed with `compression`, if any. */
  async compressedForm(digest: Digest, compression: string): Promise<Descriptor | undefined> {
    const form = await this.compressed.read(digest, compression);
    return form && (await this.hasBlob(form)) ? form : undefined;
  }

  /** Remember that the stored blob `form` is the plain layer `digest` compressed. */
  recordCompressedForm(digest: Digest, compression: string, form: Descriptor): Promise<void> {
    return this.compressed.record(digest, compression, form);
  }

  /** Where a blob's file lives (it may not exist). */
  blobPath(digest: Digest | string): string {
    return this.blobs.blobPath(digest);
  }

  async hasBlob(blob: Descriptor | Digest | string): Promise<boolean> {
    return this.blobs.hasBlob(typeof blob === 'string' ? blob : blob.digest);
  }

  /** Write a blob atomically, verified against `expected` when given. */
  writeBlob(content: BlobContent, expected?: ExpectedContent): Promise<WrittenBlob> {
    return this.blobs.writeBlob(content, expected);
  }

  /** A small blob read whole and verified. */
  readBlob(blob: Descriptor | ExpectedContent | Digest): Promise<Buffer> {
    return this.blobs.readBlob(blob);
  }

  /** ImageSource: a blob stream that fails at the end if the content does not match. */
  async fetchBlob(descriptor: Descriptor): Promise<Readable> {
    if (!(await this.hasBlob(descriptor))) {
      throw new SlipwayError('BLOB_UNKNOWN', `blob ${descriptor.digest} is not in ${this.dir}`);
    }
    return this.blobs.openBlob(descriptor);
  }

  /** ImageSource: a manifest by name or digest. */
  async fetchManifest(selector: string): Promise<RawManifest> {
    let descriptor: Descriptor | undefined;
    if (isDigest(selector)) {
      const digest = parseDigest(selector);
      const listed = (await readIndex(this.indexPath)).manifests.find((d) => d.digest === digest);
      descriptor = listed ?? ({ digest } as Descriptor);
    } else {
      descriptor = await this.resolve(selector);
    }
    if (!descriptor) {
      throw new SlipwayError('MANIFEST_UNKNOWN', `no image named ${selector} in ${this.dir}`, {
        hint: 'list the names with `slipway images`, or pull the image first',
      });
    }
    const bytes = await this.readBlob(descriptor);
    const { mediaType } = parseManifest(bytes, descriptor.mediaType);
    return { mediaType, digest: descriptor.digest, bytes };
  }

  /**
   * ImageTarget: store a blob unless present; `open` gives its content. A
   * source that breaks off (a download whose connection reset) is opened
   * again, up to three tries in all.
   */
  async pushBlob(descriptor: Descriptor, open: () => Promise<Readable>): Promise<void> {
    if (await this.hasBlob(descriptor)) return;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.writeBlob(await open(), descriptor);
        return;
      } catch (error) {
        const interrupted = (error as SlipwayError).code === 'TRANSFER_INTERRUPTED';
        if (!interrupted || attempt >= WRITE_ATTEMPTS) throw error;
        await sleep(250 * 2 ** (attempt - 1));
      }
    }
  }

  /** ImageTarget: store a manifest whose content is all present, then name it. */
  async pushManifest(manifest: RawManifest, tag?: string): Promise<void> {
    const parsed = parseManifest(manifest.bytes, manifest.mediaType);
    const children =
      parsed.kind === 'image'
        ? [parsed.manifest.config, ...parsed.manifest.layers]
        : parsed.manifest.manifests;
    for (const child of children) {
      if (!child.urls?.length && !(await this.hasBlob(child))) {
        throw new SlipwayError(
          'BLOB_UNKNOWN',
          `manifest ${manifest.digest} refers to ${child.digest}, which is not in ${this.dir}`,
          { hint: 'write blobs before the manifest that refers to them' },
        );
      }
    }
    const { digest, bytes } = manifest;
    if (!(await this.hasBlob(digest))) await this.writeBlob(bytes, { digest, size: bytes.length });
    if (tag !== undefined) {
      const descriptor = {
        mediaType: manifest.mediaType,
        digest: manifest.digest,
        size: manifest.bytes.length,
      };
      await this.tag(tag, descriptor);
    }
  }

  /** Point `name` at a manifest that is in the store, replacing what it named. */
  async tag(name: string, descriptor: Descriptor): Promise<void> {
    const full = storeName(name);
    if (!(await this.hasBlob(descriptor))) {
      throw new SlipwayError(
        'BLOB_UNKNOWN',
        `cannot tag ${full}: ${descriptor.digest} is not stored`,
      );
    }
    const annotations: Record<string, string> = { ...descriptor.annotations };
    annotations[ANNOTATION_REF_NAME] = full;
    if (full.includes('/')) annotations[ANNOTATION_IMAGE_NAME] = full;
    const entry: Descriptor = { ...descriptor, annotations };
    await updateIndex(this.indexPath, (index) => {
      index.manifests = index.manifests.filter((d) => refName(d) !== full);
      index.manifests.push(entry);
    });
  }

  /** The manifest a name points at, if any. */
  async resolve(name: string): Promise<Descriptor | undefined> {
    const full = storeName(name);
    const index = await readIndex(this.indexPath);
    return index.manifests.find((d) => refName(d) === full);
  }

  /** Remove a name; the content stays. Resolves to whether the name existed. */
  async untag(name: string): Promise<boolean> {
    const full = storeName(name);
    let found = false;
    await updateIndex(this.indexPath, (index) => {
      found = index.manifests.some((d) => refName(d) === full);
      index.manifests = index.manifests.filter((d) => refName(d) !== full);
    });
    return found;
  }

  /** Every name in the store, in index order. */
  async listTags(): Promise<StoreTag[]> {
    const index = await readIndex(this.indexPath);
    return index.manifests.flatMap((descriptor) => {
      const name = refName(descriptor);
      return name === undefined ? [] : [{ name, descriptor }];
    });
  }

  get indexPath(): string {
    return join(this.dir, 'index.json');
  }
}

function refName(descriptor: Descriptor): string | undefined {
  return descriptor.annotations?.[ANNOTATION_REF_NAME];
}

/** Names with `/`, `:` or `@` are references, stored fully qualified; others are plain tags. */
export function storeName(name: string): string {
  // `app:1` is what `slipway build -t app:1` stored as docker.io/library/app:1.
  if (!/[/:@]/.test(name)) {
    if (!/^[A-Za-z0-9_][A-Za-z0-9._-]*$/.test(name)) {
      throw new InputError('INVALID_NAME', `invalid image name ${JSON.stringify(name)} in store`, {
        hint: 'use a tag (letters, digits, . _ -) or a full reference such as host/repo:tag',
      });
    }
    return name;
  }
  return formatReference(parseReference(name));
}

/** Open (creating if needed) an OCI image layout directory as a store. */
export async function openStore(dir: string): Promise<OciStore> {
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  const layoutFile = join(dir, 'oci-layout');
  let layout: { imageLayoutVersion?: string } | undefined;
  try {
    layout = JSON.parse(await readFile(layoutFile, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new InputError('MALFORMED_LAYOUT', `${layoutFile}: ${(error as Error).message}`);
    }
  }
  if (layout === undefined) {
    await writeDurably(layoutFile, JSON.stringify({ imageLayoutVersion: LAYOUT_VERSION }));
  } else if (layout.imageLayoutVersion !== LAYOUT_VERSION) {
    throw new InputError(
      'MALFORMED_LAYOUT',
      `${layoutFile}: unsupported imageLayoutVersion ${JSON.stringify(layout.imageLayoutVersion)}`,
    );
  }
  const store = new OciStore(dir);
  if (!(await exists(store.indexPath))) await updateIndex(store.indexPath, () => {});
  await new BlobDirectory(dir).removeAbandoned();
  return store;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
