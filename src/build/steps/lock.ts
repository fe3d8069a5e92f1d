import { mkdir, rmdir } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

// A lock between builds on one machine: a directory that exists while held
// (mkdir is atomic). Used for cache mounts with sharing=locked and =private.

const POLL_MS = 100;

/** Take the lock, waiting when `wait`; resolves to its release, or undefined if busy. */
export async function acquireDirLock(path: string, wait: true): Promise<() => Promise<void>>;
export async function acquireDirLock(
  path: string,
  wait: boolean,
): Promise<(() => Promise<void>) | undefined>;
export async function acquireDirLock(path: string, wait: boolean) {
  for (;;) {
    try {
      await mkdir(path);
      return () => rmdir(path).catch(() => {});
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (!wait) return undefined;
      await sleep(POLL_MS);
    }
  }
}
