import { execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { isArchive } from '../../build/copy/index.js';
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
    if (await isArchive(saved)) {
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
