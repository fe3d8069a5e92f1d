import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { processIsGone } from '../../store/index.js';

// A lock between builds on one machine: a directory that exists while held
// (mkdir is atomic), with its owner's pid inside. Used for cache mounts with
// sharing=locked and =private. A lock whose owner died (a killed build) is
// broken, so it cannot make every later build wait for ever.

interface Owner {
  pid: number;
  host: string;
}

/** Take the lock if it is free (or its owner died); resolves to its release, or undefined. */
export async function tryDirLock(path: string): Promise<(() => Promise<void>) | undefined> {
  for (;;) {
    try {
      await mkdir(path);
      const owner: Owner = { pid: process.pid, host: hostname() };
      await writeFile(join(path, 'owner'), JSON.stringify(owner));
      return () => rm(path, { recursive: true, force: true }).catch(() => {});
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (!(await breakIfStale(path))) return undefined;
  }
}

async function readOwner(path: string): Promise<Owner | undefined> {
  try {
    return JSON.parse(await readFile(join(path, 'owner'), 'utf8')) as Owner;
  } catch {
    // Released meanwhile, or its owner is between mkdir and writing the file.
    return undefined;
  }
}

// Move a dead owner's lock aside before removing it; a live lock taken by
// another build in between is put back if its place is still free.
async function breakIfStale(path: string): Promise<boolean> {
  const owner = await readOwner(path);
  if (!owner || !processIsGone(owner.host, owner.pid)) return false;
  const aside = `${path}.stale.${process.pid}.${Math.random().toString(36).slice(2)}`;
  if (
    !(await rename(path, aside).then(
      () => true,
      () => false,
    ))
  )
    return true;
  const moved = await readOwner(aside);
  if (moved && !processIsGone(moved.host, moved.pid)) {
    await rename(aside, path).catch(() => undefined);
  }
  await rm(aside, { recursive: true, force: true });
  return true;
}

/** Whether a live process holds the lock; a dead owner's lock is broken first. */
export async function lockHeld(path: string): Promise<boolean> {
  await breakIfStale(path);
  return stat(path).then(
    () => true,
    () => false,
  );
}
