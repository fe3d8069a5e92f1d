import { existsSync } from 'node:fs';
import { join } from 'node:path';

// Facts about other processes that several modules need.

/** Whether a process with this id exists (EPERM still means it exists). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The first `name` on PATH, or undefined when no directory of PATH holds it. */
export function programOnPath(name: string): string | undefined {
  const dirs = (process.env.PATH ?? '').split(':').filter((dir) => dir !== '');
  return dirs.map((dir) => join(dir, name)).find((path) => existsSync(path));
}
