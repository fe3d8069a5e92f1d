import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

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

/** The first executable `name` in the folders of `path` (default: PATH), or undefined. */
export function programOnPath(name: string, path = process.env.PATH ?? ''): string | undefined {
  const dirs = path.split(delimiter).filter((dir) => dir !== '');
  return dirs.map((dir) => join(dir, name)).find(isExecutable);
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
