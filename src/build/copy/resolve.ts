import { lstat, readdir, readlink } from 'node:fs/promises';
import { posix } from 'node:path';
import { InputError } from '../../errors/index.js';
import { hasWildcard, segmentRegExp } from './glob.js';

// Paths inside a root filesystem (a build context, a stage's rootfs): every
// symlink is resolved as if the root were `/`, so no path can leave it.

const MAX_LINKS = 255;

/**
 * The host path of `path` (absolute inside `root`), symlinks followed within
 * the root; the last component is followed only when `followLast`.
 */
export async function resolveInRoot(
  root: string,
  path: string,
  followLast = true,
): Promise<string> {
  const inside = await resolveInside(root, path, followLast);
  // The root itself is `root`, not `root/`: paths joined under it get one slash.
  return inside === '/' ? root : root + inside;
}

/** Like resolveInRoot, but answers the path inside the root. */
export async function resolveInside(root: string, path: string, followLast = true) {
  const pending = path.split('/').filter((c) => c !== '' && c !== '.');
  let current: string[] = [];
  let links = 0;
  while (pending.length > 0) {
    const component = pending.shift() as string;
    if (component === '..') {
      current.pop();
      continue;
    }
    const candidate = `/${[...current, component].join('/')}`;
    const isLast = pending.length === 0;
    const stat = await lstat(root + candidate).catch(() => undefined);
    if (stat?.isSymbolicLink() && (!isLast || followLast)) {
      links += 1;
      if (links > MAX_LINKS) {
        throw new InputError('SYMLINK_LOOP', `too many levels of symbolic links in ${path}`, {
          hint: 'a link points back at itself (or through a chain of 255 links): fix the link',
        });
      }
      const target = await readlink(root + candidate);
      if (target.startsWith('/')) current = [];
      pending.unshift(...target.split('/').filter((c) => c !== '' && c !== '.'));
      continue;
    }
    current.push(component);
  }
  return `/${current.join('/')}`;
}

/** Decides which paths (relative to the root, no leading slash) a walk may see. */
export type Visibility = (relativePath: string) => boolean;

/**
 * The paths inside `root` a COPY source names: itself, or for a pattern every
 * match in name order. Paths hidden by `visible` are not matched.
 */
export async function expandSource(
  root: string,
  source: string,
  visible: Visibility = () => true,
): Promise<string[]> {
  const clean = posix.normalize(`/${source}`);
  if (!hasWildcard(clean)) return [clean];
  let matches = ['/'];
  for (const segment of clean.split('/').filter((s) => s !== '')) {
    const next: string[] = [];
    for (const dir of matches) {
      if (!hasWildcard(segment)) {
        next.push(posix.join(dir, segment.replace(/\\(.)/g, '$1')));
        continue;
      }
      const regexp = segmentRegExp(segment);
      const names = await readdir(await resolveInRoot(root, dir)).catch(() => [] as string[]);
      for (const name of names.sort()) {
        const path = posix.join(dir, name);
        if (regexp.test(name) && visible(path.slice(1))) next.push(path);
      }
    }
    matches = next;
  }
  const existing: string[] = [];
  for (const path of matches) {
    if (await lstat(await resolveInRoot(root, path, false)).catch(() => undefined)) {
      existing.push(path);
    }
  }
  return existing;
}
