import { type BigIntStats, createReadStream, lstatSync, readFileSync, readlinkSync } from 'node:fs';
import { PassThrough, Readable, Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { InputError, withContext } from '../errors/index.js';
import { type Digest, Digester } from '../image/index.js';
import { type Change, changeEntryPath, sortChanges } from './change.js';
import { type Compression, compressor, layerMediaType } from './compression.js';
import { sizedStream } from './sized-stream.js';
import {
  END_OF_ARCHIVE,
  type EntryType,
  encodeHeader,
  padding,
  type TarHeader,
} from './tar-header.js';
import { isLayerXattr, readXattrsSync } from './xattr.js';

/** How a layer is written. */
export interface WriteLayerOptions {
  /** Clamp every mtime to this (seconds since the epoch), as BuildKit does. */
  sourceDateEpoch?: number;
  /** Default gzip. zstd runs the `zstd` program. */
  compression?: Compression;
  /**
   * A tar longer than this many bytes is written plain, its compression left
   * for an export; a shorter one is compressed as it is written.
   */
  plainAbove?: number;
  /** Which xattrs to record; default all but overlayfs's own and security.selinux. */
  xattrs?: (name: string) => boolean;
  /** Stops the write: the streams are destroyed and a compression program is killed. */
  signal?: AbortSignal;
}

/** What writing a layer produced: the blob's digest and size, and the tar's. */
export interface WrittenLayer {
  /** Digest of the compressed blob, as the manifest names it. */
  digest: Digest;
  /** Digest of the uncompressed tar, as the config's rootfs lists it. */
  diffId: Digest;
  size: number;
  uncompressedSize: number;
  mediaType: string;
}

/**
 * Write changes as a layer blob into `sink` (which is ended): a PAX tar in
 * the fixed entry order, compressed, with digest and diffID computed as the
 * bytes pass, so nothing is held whole in memory or written twice.
 */
export async function writeLayer(
  changes: Iterable<Change> | AsyncIterable<Change>,
  sink: Writable,
  options: WriteLayerOptions = {},
): Promise<WrittenLayer> {
  let compression = options.compression ?? 'gzip';
  const all: Change[] = [];
  for await (const change of changes) all.push(change);

  const diffId = new Digester();
  // A plain tar is its own blob: one digest serves for both.
  const blob = compression === 'none' ? diffId : new Digester();
  const tar = Readable.from(tarStream(sortChanges(all), options), { objectMode: false });
  try {
    if (blob === diffId) {
      await pipeline(tar, tap(diffId), sink, { signal: options.signal });
    } else {
      const chosen = compression;
      const filter =
        options.plainAbove === undefined
          ? compressor(chosen)
          : sizedStream(
              options.plainAbove,
              () => compressor(chosen),
              () => {
                compression = 'none';
                return new PassThrough();
              },
            );
      // A tar the sized filter kept plain is its own blob: it is hashed once, as the diffID.
      const blobTap = tap(blob, () => compression !== 'none');
      const streams = [tar, tap(diffId), filter, blobTap, sink] as const;
      await pipeline(...streams, { signal: options.signal });
    }
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'FILE_CHANGED' || code === 'ABORT_ERR') throw error;
    throw withContext(`writing layer (${compression})`, error);
  }
  const tarDigest = diffId.digest();
  const plain = compression === 'none';
  return {
    digest: plain ? tarDigest : blob.digest(),
    diffId: tarDigest,
    size: plain ? diffId.size : blob.size,
    uncompressedSize: diffId.size,
    mediaType: layerMediaType(compression),
  };
}

/** A pass-through stream that feeds a digester (while `when` holds, if given). */
export function tap(digester: Digester, when?: () => boolean): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      if (when?.() !== false) digester.update(chunk);
      callback(null, chunk);
    },
  });
}

async function* tarStream(changes: Change[], options: WriteLayerOptions): AsyncGenerator<Buffer> {
  const firstPathOf = new Map<string, string>();
  const whiteoutTime = options.sourceDateEpoch ?? 0;
  for (const change of changes) {
    const name = changeEntryPath(change);
    if (change.kind !== 'add') {
      yield encodeHeader(whiteoutHeader(name, whiteoutTime));
      continue;
    }
    if (name === '') continue; // the root itself is not an entry
    // Synchronous calls: several per entry, and a layer can hold thousands.
    const stat = change.stat ?? lstatSync(change.source, { bigint: true });
    const header = headerFor(name, change.source, stat, options);
    if (header === undefined) continue; // sockets have no tar form
    if (header.type === 'file' && stat.nlink > 1n) {
      const key = `${stat.dev}:${stat.ino}`;
      const first = firstPathOf.get(key);
      if (first !== undefined) {
        yield encodeHeader({ ...header, type: 'link', size: 0, linkname: first });
        continue;
      }
      firstPathOf.set(key, name);
    }
    yield encodeHeader(header);
    if (header.type === 'file' && header.size > 0) {
      yield* fileContent(change.source, header.size);
      yield padding(header.size);
    }
  }
  yield END_OF_ARCHIVE;
}

function whiteoutHeader(name: string, time: number): TarHeader {
  return {
    name,
    type: 'file',
    mode: 0,
    uid: 0,
    gid: 0,
    size: 0,
    mtimeSec: time,
    mtimeNsec: 0,
  };
}

function headerFor(
  name: string,
  source: string,
  stat: BigIntStats,
  options: WriteLayerOptions,
): TarHeader | undefined {
  const type = entryType(stat);
  if (type === undefined) return undefined;
  let mtimeSec = Number(stat.mtimeNs / 1_000_000_000n);
  let mtimeNsec = Number(stat.mtimeNs % 1_000_000_000n);
  if (mtimeNsec < 0) {
    mtimeSec -= 1;
    mtimeNsec += 1_000_000_000;
  }
  const epoch = options.sourceDateEpoch;
  if (epoch !== undefined && (mtimeSec > epoch || (mtimeSec === epoch && mtimeNsec > 0))) {
    mtimeSec = epoch;
    mtimeNsec = 0;
  }
  const xattrs = readXattrsSync(source, options.xattrs ?? isLayerXattr);
  const header: TarHeader = {
    name: type === 'directory' ? `${name}/` : name,
    type,
    mode: Number(stat.mode & 0o7777n),
    uid: Number(stat.uid),
    gid: Number(stat.gid),
    size: type === 'file' ? Number(stat.size) : 0,
    mtimeSec,
    mtimeNsec,
    ...(xattrs.size > 0 ? { xattrs } : {}),
  };
  if (type === 'symlink') header.linkname = readlinkSync(source);
  if (type === 'char' || type === 'block') {
    // Linux's encoding of device numbers (glibc gnu_dev_major/minor).
    const rdev = stat.rdev;
    header.devmajor = Number(((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn));
    header.devminor = Number((rdev & 0xffn) | ((rdev >> 12n) & ~0xffn));
  }
  return header;
}

function entryType(stat: BigIntStats): EntryType | undefined {
  if (stat.isFile()) return 'file';
  if (stat.isDirectory()) return 'directory';
  if (stat.isSymbolicLink()) return 'symlink';
  if (stat.isCharacterDevice()) return 'char';
  if (stat.isBlockDevice()) return 'block';
  if (stat.isFIFO()) return 'fifo';
  return undefined;
}

/** Files up to this size are read in one call. */
const WHOLE_READ_BYTES = 1 << 20;

async function* fileContent(path: string, size: number): AsyncGenerator<Buffer> {
  if (size <= WHOLE_READ_BYTES) {
    const whole = readFileSync(path);
    if (whole.length !== size) throw changedWhileRead(path, whole.length, size);
    yield whole;
    return;
  }
  let read = 0;
  const stream = createReadStream(path, { highWaterMark: 256 * 1024, end: size - 1 });
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    read += chunk.length;
    yield chunk;
  }
  if (read !== size) throw changedWhileRead(path, read, size);
}

function changedWhileRead(path: string, read: number, size: number): InputError {
  return new InputError(
    'FILE_CHANGED',
    `writing layer: ${path} changed while being read (${read} of ${size} bytes)`,
  );
}
