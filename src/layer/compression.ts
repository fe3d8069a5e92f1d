import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Duplex, PassThrough, type Readable } from 'node:stream';
import { createGunzip, createGzip } from 'node:zlib';
import { InputError } from '../errors/index.js';
import { OCI_LAYER, OCI_LAYER_GZIP, OCI_LAYER_ZSTD } from '../image/index.js';

/** How a layer's tar is compressed. */
export type Compression = 'gzip' | 'zstd' | 'none';

/** The OCI media type of a layer with this compression. */
export function layerMediaType(compression: Compression): string {
  if (compression === 'gzip') return OCI_LAYER_GZIP;
  if (compression === 'zstd') return OCI_LAYER_ZSTD;
  return OCI_LAYER;
}

/**
 * A compressing stream. gzip comes from zlib with an empty header (no name,
 * mtime 0), so equal input gives equal bytes; zstd runs the `zstd` program.
 */
export function compressor(compression: Compression): Duplex {
  if (compression === 'gzip') return createGzip({ level: 6 });
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
 * this one free to write the files it yields.
 */
export function decompressor(compression: Compression): Duplex {
  if (compression === 'gzip') {
    const unpigz = unpigzPath();
    return unpigz ? programStream(unpigz, ['-d', '-c'], 'GUNZIP_FAILED') : createGunzip();
  }
  if (compression === 'zstd') return zstdProcess(['-q', '-d', '-c', '--no-progress']);
  return new PassThrough();
}

let unpigzFound: string | null | undefined;

/** Where `unpigz` is on PATH, looked up once; SLIPWAY_NO_UNPIGZ=1 turns it off. */
function unpigzPath(): string | undefined {
  if (unpigzFound === undefined) {
    const dirs = (process.env.PATH ?? '').split(':').filter((d) => d !== '');
    const found = dirs.map((d) => join(d, 'unpigz')).find((path) => existsSync(path));
    unpigzFound = process.env.SLIPWAY_NO_UNPIGZ === '1' ? null : (found ?? null);
  }
  return unpigzFound ?? undefined;
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

/** A filter program as a duplex stream; its failure (exit status) fails the stream. */
function programStream(command: string, args: string[], failure: string): Duplex {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  let exitCode: number | null | undefined;
  let drained = false;
  const stream = new Duplex({
    write(chunk: Buffer, _encoding, callback) {
      if (child.stdin.write(chunk)) callback();
      else child.stdin.once('drain', () => callback());
    },
    final(callback) {
      child.stdin.end(callback);
    },
    read() {
      child.stdout.resume();
    },
    destroy(error, callback) {
      if (exitCode === undefined) child.kill();
      callback(error);
    },
  });
  const finish = () => {
    if (exitCode === undefined || !drained) return;
    if (exitCode === 0) stream.push(null);
    else {
      const name = command.split('/').pop();
      stream.destroy(new InputError(failure, `${name} failed: ${stderr.trim()}`));
    }
  };
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  child.on('error', (error) => {
    if (stream.listenerCount('spawn-error') > 0) stream.emit('spawn-error', error);
    else stream.destroy(error);
  });
  child.stdin.on('error', (error) => stream.destroy(error));
  child.stdout.on('data', (chunk: Buffer) => {
    if (!stream.push(chunk)) child.stdout.pause();
  });
  child.stdout.on('end', () => {
    drained = true;
    finish();
  });
  child.on('close', (code) => {
    exitCode = code;
    finish();
  });
  return stream;
}
