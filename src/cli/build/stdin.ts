import { execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, open, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { SlipwayError, UsageError } from '../../errors/index.js';

// `docker build -f - CONTEXT` (the Dockerfile on stdin) and `docker build -`
// (stdin holds a context tarball, plain or compressed, or else a Dockerfile
// with an empty context): stdin is saved to a private temp folder first.

const exec = promisify(execFile);

/** Where a build reads from once stdin is saved; `cleanup` removes the saved copy. */
export interface StdinInputs {
  /** The context folder, or undefined to keep the one given. */
  contextDir?: string;
  /** The Dockerfile's path, or undefined to keep the one given. */
  dockerfile?: string;
  cleanup(): Promise<void>;
}

/** Save stdin when the context or -f is `-`; nothing to do otherwise. */
export async function readStdinInputs(
  contextArg: string,
  file: string | undefined,
  stdin: NodeJS.ReadableStream,
): Promise<StdinInputs> {
  const none = { cleanup: async () => {} };
  if (contextArg !== '-' && file !== '-') return none;
  if (contextArg === '-' && file === '-') {
    throw new UsageError('the context and the Dockerfile cannot both be read from stdin (-)', {
      hint: 'give the context as a folder, or the Dockerfile with -f PATH',
    });
  }
  const dir = await mkdtemp(join(tmpdir(), 'slipway-stdin-'));
  const cleanup = () => rm(dir, { recursive: true, force: true });
  try {
    const saved = join(dir, 'stdin');
    await pipeline(stdin, createWriteStream(saved, { mode: 0o600 }));
    if (file === '-') {
      const dockerfile = join(dir, 'Dockerfile');
      await rename(saved, dockerfile);
      return { dockerfile, cleanup };
    }
    const context = join(dir, 'context');
    await mkdir(context);
    if (await isTar(saved)) {
      await exec('tar', ['-x', '-f', saved, '-C', context, '--no-same-owner']).catch((error) => {
        throw new SlipwayError('STDIN_CONTEXT', `the context tarball on stdin: ${error.message}`, {
          hint: 'pipe a tar of the context (tar -c . | slipway build -), or a Dockerfile',
        });
      });
      return { contextDir: context, cleanup };
    }
    const dockerfile = join(dir, 'Dockerfile');
    await rename(saved, dockerfile);
    return { contextDir: context, dockerfile, cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/** Whether a file is a tar archive: gzip, bzip2, xz or zstd magic, or ustar at 257. */
async function isTar(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(512);
    const { bytesRead } = await handle.read(head, 0, 512, 0);
    const magic = head.subarray(0, 6);
    if (magic[0] === 0x1f && magic[1] === 0x8b) return true;
    if (magic.subarray(0, 3).toString('latin1') === 'BZh') return true;
    if (magic.equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return true;
    if (head.readUInt32LE(0) === 0xfd2fb528) return true;
    return bytesRead >= 262 && head.subarray(257, 262).toString('latin1') === 'ustar';
  } finally {
    await handle.close();
  }
}
