import { lstatSync, mkdirSync, readlinkSync, type Stats } from 'node:fs';
import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../errors/index.js';

// Resolving a path inside a root filesystem as if the root were `/`: symlinks
// are followed, but an absolute target or `..` can never climb out of the
// root. This is what keeps a malicious layer from writing outside it.

const MAX_SYMLINKS = 255;

/**
 * The real path of `relative` inside `root`, following symlinks within the
 * root. Missing directories are created (0755, root-owned) when `create` is
 * set; a component that exists and is not a directory is an error.
 */
export async function resolveInRoot(
  root: string,
  relative: string,
  create = false,
): Promise<string> {
  return resolveInRootSync(root, relative, create);
}

/**
 * resolveInRoot with synchronous calls: a layer resolves a parent for each of
 * thousands of entries, and a round trip through the thread pool per path
 * component costs more than the lstat itself.
 */
export function resolveInRootSync(root: string, relative: string, create = false): string {
  const pending = relative.split('/').filter((part) => part !== '' && part !== '.');
  const resolved: string[] = [];
  let links = 0;
  while (pending.length > 0) {
    const part = pending.shift() as string;
    if (part === '..') {
      resolved.pop();
      continue;
    }
    const candidate = join(root, ...resolved, part);
    const stat = lstatSync(candidate, { throwIfNoEntry: false });
    if (stat === undefined) {
      if (create) mkdirSync(candidate, { mode: 0o755 });
      resolved.push(part);
      continue;
    }
    if (stat.isSymbolicLink()) {
      if (++links > MAX_SYMLINKS) {
        throw new InputError('SYMLINK_LOOP', `resolving ${relative}: too many symlinks`);
      }
      const target = readlinkSync(candidate);
      if (target.startsWith('/')) resolved.length = 0;
      pending.unshift(...target.split('/').filter((p) => p !== '' && p !== '.'));
      continue;
    }
    if (!stat.isDirectory()) {
      throw new InputError(
        'NOT_A_DIRECTORY',
        `resolving ${relative}: /${[...resolved, part].join('/')} is not a directory`,
      );
    }
    resolved.push(part);
  }
  return join(root, ...resolved);
}

/** lstat that answers undefined for a missing path. */
export async function lstatOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await lstat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
