import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { processIsGone } from '../../store/index.js';

// Shared holders of a cache copy (sharing=shared): one file each, named at
// random, with the holder's pid and host, in a folder beside the copy. Many
// may hold a copy at once; a step that wants it alone (locked, private) takes
// the copy's lock and then looks here, while a shared holder writes its file
// and then looks at the lock, so one of the two always sees the other.

/** Hold `dir` shared; resolves to the release. */
export async function holdShared(dir: string): Promise<() => Promise<void>> {
  await mkdir(dir, { recursive: true });
  const file = join(dir, randomBytes(8).toString('hex'));
  await writeFile(file, JSON.stringify({ pid: process.pid, host: hostname() }));
  return () => rm(file, { force: true });
}

/** Whether a live process holds `dir` shared; the files of dead holders are removed. */
export async function sharedHeld(dir: string): Promise<boolean> {
  const names = await readdir(dir).catch(() => [] as string[]);
  let held = false;
  for (const name of names) {
    const file = join(dir, name);
    const holder = await readFile(file, 'utf8')
      .then((text) => JSON.parse(text) as { pid: number; host: string })
      .catch(() => undefined);
    // A file being written (or just released) counts as held: look again later.
    if (holder && processIsGone(holder.host, holder.pid)) await rm(file, { force: true });
    else held = true;
  }
  return held;
}
