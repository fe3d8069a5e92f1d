import { link, open, readFile, rename, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { SlipwayError } from '../errors/index.js';

// A lock file beside index.json, so that two slipway processes updating tags
// at once take turns. The file is created with O_EXCL; a lock whose owner
// process is gone (same host) is stale and is broken.

/** How long to wait for another process before giving up. */
const WAIT_MS = 60_000;

interface LockOwner {
  pid: number;
  host: string;
  token: string;
}

/** Run `work` while holding the lock file at `path`. */
export async function withFileLock<T>(path: string, work: () => Promise<T>): Promise<T> {
  const token = `${process.pid}.${Math.random().toString(36).slice(2)}`;
  await acquire(path, token);
  try {
    return await work();
  } finally {
    await release(path, token);
  }
}

async function acquire(path: string, token: string): Promise<void> {
  const owner: LockOwner = { pid: process.pid, host: hostname(), token };
  const deadline = Date.now() + WAIT_MS;
  for (let delay = 2; ; delay = Math.min(delay * 2, 50)) {
    try {
      const handle = await open(path, 'wx', 0o644);
      await handle.writeFile(JSON.stringify(owner));
      await handle.close();
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = await readOwner(path);
    if (holder && isStale(holder)) {
      await breakStale(path, holder);
      continue;
    }
    if (Date.now() > deadline) {
      const who = holder ? `process ${holder.pid} on ${holder.host}` : 'another process';
      throw new SlipwayError('STORE_LOCKED', `${path} is held by ${who}`, {
        hint: 'wait for the other slipway to finish, or remove the lock file if none runs',
      });
    }
    await new Promise((resolve) => setTimeout(resolve, delay * (0.5 + Math.random())));
  }
}

async function readOwner(path: string): Promise<LockOwner | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as LockOwner;
  } catch {
    // Gone already, or its owner is between create and write.
    return undefined;
  }
}

function isStale(holder: LockOwner): boolean {
  return processIsGone(holder.host, holder.pid);
}

/** Whether process `pid` of `host` is known to have exited (only this host can tell). */
export function processIsGone(host: string, pid: number): boolean {
  if (host !== hostname()) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

// Move the stale file aside before deleting it, and only delete what was
// moved if it is still the dead owner's: a live lock taken meanwhile is put back.
async function breakStale(path: string, holder: LockOwner): Promise<void> {
  const aside = `${path}.stale.${process.pid}.${Math.random().toString(36).slice(2)}`;
  try {
    await rename(path, aside);
  } catch {
    return;
  }
  const moved = await readOwner(aside);
  if (moved && moved.token !== holder.token) {
    await link(aside, path).catch(() => undefined);
    await rm(aside, { force: true });
    return;
  }
  await rm(aside, { force: true });
}

async function release(path: string, token: string): Promise<void> {
  const holder = await readOwner(path);
  if (holder?.token === token) await rm(path, { force: true });
}
