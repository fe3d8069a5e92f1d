import { type Duplex, PassThrough, type Readable } from 'node:stream';
import { createGunzip, createGzip } from 'node:zlib';
import { InputError } from '../errors/index.js';
import { OCI_LAYER, OCI_LAYER_GZIP, OCI_LAYER_ZSTD } from '../image/index.js';
import { programOnPath } from '../util/process.js';
import { programStream } from './program-stream.js';
import { sizedStream } from './sized-stream.js';

/** How a layer's tar is compressed. */
export type Compression = 'gzip' | 'zstd' | 'none';

/** The OCI media type of a layer with this compression. */
export function layerMediaType(compression: Compression): string {
  if (compression === 'gzip') return OCI_LAYER_GZIP;
  if (compression === 'zstd') return OCI_LAYER_ZSTD;
  return OCI_LAYER;
}

/** Inputs up to this size are (de)compressed in process: a program would cost more to start. */
export const IN_PROCESS_BYTES = 1 << 20;

/**
 * A compressing stream. gzip runs `pigz` when installed (on every core) and
 * zlib otherwise, both at level 6 with an empty header (no name, mtime 0);
 * a tar of up to IN_PROCESS_BYTES always goes through zlib. pigz's blocks do
 * not depend on its thread count, but its bytes differ from zlib's: the blob
 * digest depends on which one ran, the diffID does not. zstd runs `zstd`.
 */
export function compressor(compression: Compression): Duplex {
  if (compression === 'gzip') {
    if (gzipCompressor() === 'zlib') return zlibGzip();
    return sizedStream(IN_PROCESS_BYTES, zlibGzip, pigzProcess);
  }
  if (compression === 'zstd') return zstdProcess(['-q', '-c', '-3', '--no-progress']);
  return new PassThrough();
}

/** Which compression the first bytes of a blob show. */
export function detectCompression(head: Buffer): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  return 'none';
}

/**
 * A decompressing stream for the given compression. gzip goes through `unpigz`
 * when installed (as containerd does): decompressing in another process leaves
 * this one free to write the files it yields. Blobs of up to IN_PROCESS_BYTES
 * are gunzipped in process.
 */
export function decompressor(compression: Compression): Duplex {
  if (compression === 'gzip') {
    const unpigz = programPath('unpigz');
    if (!unpigz) return createGunzip();
    const unpigzProcess = () => programStream(unpigz, ['-d', '-c'], 'GUNZIP_FAILED');
    return sizedStream(IN_PROCESS_BYTES, () => createGunzip(), unpigzProcess);
  }
  if (compression === 'zstd') return zstdProcess(['-q', '-d', '-c', '--no-progress']);
  return new PassThrough();
}

const programs = new Map<string, string | undefined>();

/**
 * Where `unpigz` or `pigz` is on PATH, looked up once per process;
 * SLIPWAY_NO_UNPIGZ=1 or SLIPWAY_NO_PIGZ=1 turns it off.
 */
function programPath(name: 'unpigz' | 'pigz'): string | undefined {
  if (!programs.has(name)) {
    const off = process.env[`SLIPWAY_NO_${name.toUpperCase()}`] === '1';
    programs.set(name, off ? undefined : programOnPath(name));
  }
  return programs.get(name);
}

/** Which program gzips layers in this process: decided once, from PATH. */
export function gzipCompressor(): 'pigz' | 'zlib' {
  return programPath('pigz') === undefined ? 'zlib' : 'pigz';
}

/** zlib's gzip at level 6; its header has no name and mtime 0. */
function zlibGzip(): Duplex {
  return createGzip({ level: 6 });
}

/** `pigz` at level 6; -n leaves name and mtime out of the header. */
function pigzProcess(): Duplex {
  const pigz = programPath('pigz') ?? 'pigz';
  const stream = programStream(pigz, ['-c', '-n', '-6'], 'GZIP_FAILED');
  stream.on('spawn-error', (error: Error) => {
    stream.destroy(new InputError('GZIP_FAILED', `running ${pigz}: ${error.message}`));
  });
  return stream;
}

/** Read the first bytes of a stream and put them back, to look at a magic number. */
export async function peek(stream: Readable, bytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  while (length < bytes) {
    const chunk = stream.read() as Buffer | null;
    if (chunk !== null) {
      chunks.push(chunk);
      length += chunk.length;
    } else if (stream.readableEnded || !(await readableOrEnd(stream))) {
      break;
    }
  }
  const head = Buffer.concat(chunks);
  if (head.length > 0) stream.unshift(head);
  return head.subarray(0, bytes);
}

/** Wait until a stream has data (true) or has ended (false). */
function readableOrEnd(stream: Readable): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const settle = (readable: boolean, error?: Error) => {
      stream.off('readable', onReadable);
      stream.off('end', onEnd);
      stream.off('error', onError);
      if (error) reject(error);
      else resolve(readable);
    };
    const onReadable = () => settle(true);
    const onEnd = () => settle(false);
    const onError = (error: Error) => settle(false, error);
    stream.on('readable', onReadable);
    stream.on('end', onEnd);
    stream.on('error', onError);
  });
}

/** The `zstd` program as a duplex stream; its failure fails the stream. */
function zstdProcess(args: string[]): Duplex {
  const stream = programStream('zstd', args, 'ZSTD_FAILED');
  stream.on('spawn-error', (error: Error) => {
    const hint = 'install zstd (apt-get install zstd) or use gzip';
    stream.destroy(new InputError('ZSTD_MISSING', `running zstd: ${error.message}`, { hint }));
  });
  return stream;
}
