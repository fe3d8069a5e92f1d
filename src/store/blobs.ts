import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { access, mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { SlipwayError } from '../errors/index.js';
import type { Descriptor } from '../image/descriptor.js';
import {
  type Digest,
  Digester,
  digestAlgorithm,
  digestEncoded,
  parseDigest,
} from '../image/digest.js';
import { processIsGone } from './lock.js';
import { checksContent, type ExpectedContent, mismatch, verifyingStream } from './verify.js';

// The blobs of an OCI image layout: `blobs/<algorithm>/<encoded>`. A blob is
// written to a temp file in the store, flushed to disk and renamed into place,
// so a reader never sees part of one and an interrupted write leaves nothing.

/** A blob's identity once written. */
export interface WrittenBlob {
  digest: Digest;
  size: number;
}

/** Content for writeBlob: bytes held in memory or a stream. */
export type BlobContent = Readable | Buffer | Uint8Array;

/** Blobs larger than this are not read whole into memory by readBlob. */
export const SMALL_BLOB_LIMIT = 16 * 1024 * 1024;

// Larger than node's default (16/64 KiB): fewer, larger file writes and reads,
// and a network read need not wait for each one.
const STREAM_BUFFER = 1024 * 1024;

/** Read, write and verify the blobs of a layout at `root`. */
export class BlobDirectory {
  constructor(readonly root: string) {}

  /** Where a blob's file lives (it may not exist). */
  blobPath(digest: Digest | string): string {
    const valid = parseDigest(digest);
    return join(this.root, 'blobs', digestAlgorithm(valid), digestEncoded(valid));
  }

  async hasBlob(digest: Digest | string): Promise<boolean> {
    try {
      await access(this.blobPath(digest));
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Write a blob atomically; verified against `expected` when given. A stream
   * that already checks itself against `expected` is not hashed a second time.
   */
  async writeBlob(content: BlobContent, expected?: ExpectedContent): Promise<WrittenBlob> {
    const name = `blob-${hostname()}-${process.pid}-${randomBytes(6).toString('hex')}`;
    const temp = join(this.root, '.tmp', name);
    await mkdir(join(this.root, '.tmp'), { recursive: true });
    const source = content instanceof Readable ? content : Readable.from([Buffer.from(content)]);
    const checked = expected && content instanceof Readable && checksContent(content, expected);
    const digester = new Digester(expected ? digestAlgorithm(expected.digest) : 'sha256');
    const hashing = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        digester.update(chunk);
        callback(null, chunk);
      },
    });
    const file = createWriteStream(temp, {
      flags: 'wx',
      flush: true,
      highWaterMark: STREAM_BUFFER,
    });
    try {
      await (checked ? pipeline(source, file) : pipeline(source, hashing, file));
      const written = checked
        ? { digest: expected.digest, size: expected.size as number }
        : { digest: digester.digest(), size: digester.size };
      if (expected) {
        const problem = mismatch(expected, written, `writing blob ${expected.digest}`);
        if (problem) throw problem;
      }
      const path = this.blobPath(written.digest);
      await mkdir(join(path, '..'), { recursive: true });
      await rename(temp, path);
      return written;
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }

  /**
   * Remove the temp files of writes whose process died (killed, or stopped by
   * Ctrl-C) on this host; a write in progress elsewhere is left alone.
   */
  async removeAbandoned(): Promise<void> {
    const dir = join(this.root, '.tmp');
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names) {
      const owner = /^blob-(.+)-(\d+)-[0-9a-f]{12}$/.exec(name);
      if (owner && processIsGone(owner[1] as string, Number(owner[2]))) {
        await rm(join(dir, name), { force: true });
      }
    }
  }

  /** A stream of a blob that fails at the end if the file does not match. */
  openBlob(descriptor: Descriptor | ExpectedContent): Readable {
    const path = this.blobPath(descriptor.digest);
    const what = `blob ${descriptor.digest} in ${this.root}`;
    const file = createReadStream(path, { highWaterMark: STREAM_BUFFER });
    const checked = verifyingStream(descriptor, what);
    file.on('error', (error) => checked.destroy(missing(error, what) as Error));
    return file.pipe(checked);
  }

  /** A small blob (a manifest, a config) read whole and verified. */
  async readBlob(descriptor: Descriptor | ExpectedContent | Digest): Promise<Buffer> {
    const expected = typeof descriptor === 'string' ? { digest: descriptor } : descriptor;
    const what = `blob ${expected.digest} in ${this.root}`;
    const handle = await open(this.blobPath(expected.digest), 'r').catch((error: unknown) => {
      throw missing(error, what);
    });
    try {
      const { size } = await handle.stat();
      if (size > SMALL_BLOB_LIMIT) {
        throw new SlipwayError(
          'BLOB_TOO_LARGE',
          `${what}: ${size} bytes is too large to read whole`,
        );
      }
      const bytes = await readFile(handle);
      const digester = new Digester(digestAlgorithm(expected.digest));
      digester.update(bytes);
      const problem = mismatch(expected, { digest: digester.digest(), size: bytes.length }, what);
      if (problem) throw problem;
      return bytes;
    } finally {
      await handle.close();
    }
  }
}

function missing(error: unknown, what: string): unknown {
  if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
    return new SlipwayError('BLOB_UNKNOWN', `${what}: no such blob`, { cause: error });
  }
  return error;
}
