// Builds that were killed leave mounts and half-written folders behind.
// Every folder a process makes under the snapshot root starts with its pid;
// whatever belongs to a pid that no longer runs is unmounted and deleted.

import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { processAlive } from '../../util/process.js';
import { unmount } from './overlay.js';

/** Mount points listed in /proc/self/mountinfo, in mount order. */
export async function mountPoints(): Promise<string[]> {
  const text = await readFile('/proc/self/mountinfo', 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => unescapeMountPath(line.split(' ')[4] ?? ''));
}

function unescapeMountPath(path: string): string {
  return path.replace(/\\([0-7]{3})/g, (_, octal: string) =>
    String.fromCharCode(Number.parseInt(octal, 8)),
  );
}

/** Unmount and delete the leftovers of dead processes under `dirs`; returns what was removed. */
export async function removeStale(dirs: string[]): Promise<string[]> {
  const stale: string[] = [];
  for (const dir of dirs) {
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names) {
      const pid = Number(/^(\d+)-/.exec(name)?.[1]);
      if (Number.isInteger(pid) && pid !== process.pid && !processAlive(pid))
        stale.push(join(dir, name));
    }
  }
  if (stale.length === 0) return [];
  const mounts = await mountPoints();
  for (const mount of mounts.reverse()) {
    if (stale.some((dir) => mount.startsWith(`${dir}/`))) await unmount(mount).catch(() => {});
  }
  for (const dir of stale) await rm(dir, { recursive: true, force: true });
  return stale;
}
