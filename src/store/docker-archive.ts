import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Pack } from 'tar-stream';
import { SlipwayError, UsageError } from '../errors/index.js';
import {
  ANNOTATION_IMAGE_NAME,
  ANNOTATION_REF_NAME,
  type Descriptor,
  type Digest,
  digestEncoded,
  familiarReference,
  formatReference,
  type ImageManifest,
  type ImageSource,
  parseManifest,
  parseReference,
  type RawManifest,
} from '../image/index.js';

export { type DockerArchive, openDockerArchive } from './docker-archive-open.js';

// `docker save` archives, written as BuildKit's docker exporter writes them:
// an OCI layout (blobs/sha256/…, index.json, oci-layout) plus the
// manifest.json that `docker load` reads. Layers are stored as they are
// (compressed); docker load and skopeo detect the compression themselves.

/** One image in manifest.json: paths inside the archive and the tags it loads as. */
export interface DockerArchiveEntry {
  Config: string;
  RepoTags: string[];
  Layers: string[];
}

const MTIME = new Date(0);

/** The path of a blob inside the archive. */
export function archiveBlobPath(digest: Digest): string {
  return `blobs/${digest.slice(0, digest.indexOf(':'))}/${digestEncoded(digest)}`;
}

/**
 * Write one image from `source` as a docker-archive tar into `out` (ended
 * when done). `manifest` is the image manifest or its descriptor; `tags` are
 * references (`app:1`, `host:5000/team/app:1`) it loads as. Blobs stream
 * through one at a time.
 */
export async function writeDockerArchive(
  source: ImageSource,
  manifest: Descriptor | RawManifest,
  tags: string[],
  out: Writable,
): Promise<void> {
  const raw = 'bytes' in manifest ? manifest : await source.fetchManifest(manifest.digest);
  const parsed = parseManifest(raw.bytes, raw.mediaType);
  if (parsed.kind !== 'image') {
    throw new UsageError('a docker archive holds one image, not an index', {
      hint: 'choose a platform first (--platform)',
    });
  }
  const image = parsed.manifest;
  const references = tags.map((tag) => parseReference(tag));
  const { pack } = await import('tar-stream');
  const tarball = pack();
  const writing = pipeline(tarball as unknown as Readable, out);
  try {
    await writeEntries(tarball, source, raw, image, references.map(formatReference));
    tarball.finalize();
    await writing;
  } catch (error) {
    tarball.destroy(error as Error);
    await writing.catch(() => {});
    throw error;
  }
}

async function writeEntries(
  tarball: Pack,
  source: ImageSource,
  raw: RawManifest,
  image: ImageManifest,
  names: string[],
): Promise<void> {
  await addDirectory(tarball, 'blobs/');
  await addDirectory(tarball, `blobs/${raw.digest.slice(0, raw.digest.indexOf(':'))}/`);
  const written = new Set<string>();
  for (const blob of [image.config, ...image.layers]) {
    if (written.has(blob.digest)) continue;
    written.add(blob.digest);
    if (blob.urls?.length) continue; // foreign layers stay where their URLs say
    await addStream(tarball, archiveBlobPath(blob.digest), blob.size, await source.fetchBlob(blob));
  }
  if (!written.has(raw.digest)) await addFile(tarball, archiveBlobPath(raw.digest), raw.bytes);

  const descriptor = { mediaType: raw.mediaType, digest: raw.digest, size: raw.bytes.length };
  const index = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: (names.length > 0 ? names : [undefined]).map((name) =>
      name === undefined
        ? descriptor
        : {
            ...descriptor,
            annotations: {
              [ANNOTATION_IMAGE_NAME]: name,
              [ANNOTATION_REF_NAME]: name.slice(name.lastIndexOf(':') + 1),
            },
          },
    ),
  };
  const entry: DockerArchiveEntry = {
    Config: archiveBlobPath(image.config.digest),
    RepoTags: names.map((name) => familiarReference(parseReference(name))),
    Layers: image.layers.map((layer) => archiveBlobPath(layer.digest)),
  };
  await addFile(tarball, 'index.json', Buffer.from(JSON.stringify(index)));
  await addFile(tarball, 'manifest.json', Buffer.from(JSON.stringify([entry])));
  await addFile(tarball, 'oci-layout', Buffer.from('{"imageLayoutVersion":"1.0.0"}'));
}

function addDirectory(tarball: Pack, name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    tarball.entry({ name, type: 'directory', mode: 0o755, mtime: MTIME }, (error) =>
      error ? reject(error) : resolve(),
    );
  });
}

function addFile(tarball: Pack, name: string, content: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    tarball.entry({ name, mode: 0o644, mtime: MTIME }, content, (error) =>
      error ? reject(error) : resolve(),
    );
  });
}

async function addStream(tarball: Pack, name: string, size: number, content: Readable) {
  let failure: unknown;
  const done = new Promise<void>((resolve, reject) => {
    const sink = tarball.entry({ name, size, mode: 0o644, mtime: MTIME }, (error) =>
      error ? reject(failure ?? error) : resolve(),
    );
    (async () => {
      for await (const chunk of content) {
        if (!sink.write(chunk)) await new Promise<void>((r) => sink.once('drain', () => r()));
      }
      (sink as unknown as NodeJS.WritableStream).end();
    })().catch((error) => {
      failure = error;
      sink.destroy(error);
      reject(error);
    });
  });
  try {
    await done;
  } catch (error) {
    if (error instanceof Error && error.message === 'Size mismatch') {
      throw new SlipwayError('BLOB_SIZE', `blob ${name}: content is not ${size} bytes`);
    }
    throw error;
  }
}
