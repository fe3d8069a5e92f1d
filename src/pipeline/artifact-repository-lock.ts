import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SlipwayError } from '../errors/index.js';

// A lock between slipway processes writing to one repository folder: the
// lock is a folder, since mkdir either creates it or fails, atomically.

const STALE_MS = 120_000;
const WAIT_MS = 30_000;

/** Run `work` while holding `DIR/.lock`; a lock older than 2 minutes is broken. */
export async function withDirectoryLock<T>(dir: string, work: () => Promise<T>): Promise<T> {
  const lock = join(dir, '.lock');
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    try {
      await mkdir(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const age = await stat(lock).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      if (age > STALE_MS) await rm(lock, { recursive: true, force: true });
      else if (Date.now() > deadline) {
        throw new SlipwayError('LOCKED', `${dir} is locked by another slipway process`, {
          hint: `if no other slipway runs, remove ${lock}`,
        });
      } else await sleep(20 + Math.random() * 30);
    }
  }
  try {
    return await work();
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}
