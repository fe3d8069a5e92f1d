import { chmod, chown, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { lockHeld, tryDirLock } from './lock.js';
import { holdShared, sharedHeld } from './shared-hold.js';

// The folders of one cache mount id, as BuildKit keeps them. `shared` steps
// hold the first copy no step holds alone, together; `locked` and `private`
// take the first copy no step holds at all. When every copy is held, `locked`
// waits, `shared` and `private` make one more and keep it, so a later build
// may get any of them.
//
// The bound: a copy is only made when all existing copies are held at that
// moment, so their number never passes the peak count of steps that used the
// id at once, and never passes MAX_CACHE_COPIES. Past that a step gets a
// folder of its own that is removed when the step ends (nothing kept).

/** The most folders kept for one cache id. */
export const MAX_CACHE_COPIES = 4;

const LOCK_POLL_MS = 100;

/** How a cache folder is made the first time (BuildKit's uid, gid, mode). */
export interface CacheOwner {
  uid?: number;
  gid?: number;
  mode?: number;
}

/** A cache folder opened for one step, and how to give it back. */
export interface OpenedCache {
  dir: string;
  /** Whether the folder is one of the kept copies. */
  kept: boolean;
  release(): Promise<void>;
}

/** The folder of copy `n` of the cache whose first copy is `base`. */
export function cacheCopyDir(base: string, n: number): string {
  return n === 0 ? base : `${base}-copy${n}`;
}

/**
 * Open the cache at `base` with a sharing mode; `tempDir` holds throwaway
 * folders. A `locked` wait ends with `signal` (the build stopped).
 */
export async function openCacheDir(
  base: string,
  sharing: 'shared' | 'locked' | 'private',
  owner: CacheOwner,
  tempDir: string,
  signal?: AbortSignal,
): Promise<OpenedCache> {
  await mkdir(dirname(base), { recursive: true });
  const taken =
    sharing === 'shared'
      ? await takeCopy(base, owner, true, holdTogether)
      : sharing === 'private'
        ? await takeCopy(base, owner, true, holdAlone)
        : await waitForFreeCopy(base, owner, signal);
  if (taken) return taken;
  const dir = await mkdtemp(join(tempDir, 'cache-'));
  await applyOwner(dir, owner);
  return { dir, kept: false, release: () => rm(dir, { recursive: true, force: true }) };
}

type Release = () => Promise<void>;

/** Any copy no one holds; wait only while every copy is held. */
async function waitForFreeCopy(
  base: string,
  owner: CacheOwner,
  signal?: AbortSignal,
): Promise<OpenedCache> {
  for (;;) {
    const free = await takeCopy(base, owner, false, holdAlone);
    if (free) return free;
    await sleep(LOCK_POLL_MS, undefined, { signal });
  }
}

/** The first copy `hold` gets, made if it is new; without `grow` only existing copies. */
async function takeCopy(
  base: string,
  owner: CacheOwner,
  grow: boolean,
  hold: (dir: string) => Promise<Release | undefined>,
): Promise<OpenedCache | undefined> {
  for (let n = 0; n < MAX_CACHE_COPIES; n++) {
    const dir = cacheCopyDir(base, n);
    // Copies are made in order, so the first missing one ends the list.
    if (!grow && n > 0 && !(await exists(dir))) return undefined;
    const release = await hold(dir);
    if (!release) continue;
    await makeCacheDir(dir, owner);
    return { dir, kept: true, release };
  }
  return undefined;
}

/** Hold a copy alone (locked, private): its lock, and no shared holder. */
async function holdAlone(dir: string): Promise<Release | undefined> {
  const release = await tryDirLock(`${dir}.lock`);
  if (!release || !(await sharedHeld(`${dir}.shared`))) return release;
  await release();
  return undefined;
}

/** Hold a copy with the other shared users, unless a step holds it alone. */
async function holdTogether(dir: string): Promise<Release | undefined> {
  const release = await holdShared(`${dir}.shared`);
  if (!(await lockHeld(`${dir}.lock`))) return release;
  await release();
  return undefined;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function makeCacheDir(dir: string, owner: CacheOwner): Promise<void> {
  const created = await mkdir(dir, { recursive: true });
  if (created !== undefined) await applyOwner(dir, owner);
}

async function applyOwner(dir: string, owner: CacheOwner): Promise<void> {
  await chown(dir, owner.uid ?? 0, owner.gid ?? 0);
  await chmod(dir, owner.mode ?? 0o755);
}
