import { createHash } from 'node:crypto';
import { cp, lstat, mkdir, readlink, symlink } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import type { Emit } from '../log/index.js';

// `caches`: folders kept between runs of a pipeline. On the host, a folder of
// the workspace is a link into the cache; `~/...` and absolute paths already
// persist on this machine and are left alone. In a container, each cache
// folder is mounted at its path.

/** The cache folder that holds `path` for one pipeline. */
export function cacheFolder(cachesDir: string, path: string): string {
  const hash = createHash('sha256').update(path).digest('hex').slice(0, 12);
  const readable = path
    .replace(/[^A-Za-z0-9_.-]/g, '_')
    .replace(/^_+/, '')
    .slice(0, 40);
  return join(cachesDir, `${readable}-${hash}`);
}

/** Whether a cache path is on the host already (home or absolute). */
export function isHostPath(path: string): boolean {
  return path.startsWith('~') || isAbsolute(path);
}

/** Before the commands: link workspace cache paths to their folders. */
export async function restoreCaches(
  workspace: string,
  cachesDir: string,
  paths: readonly string[],
  emit: Emit,
) {
  for (const path of paths) {
    if (isHostPath(path)) {
      emit({ kind: 'cache.host', message: `cache ${path}: kept on this machine`, level: 'debug' });
      continue;
    }
    const folder = cacheFolder(cachesDir, path);
    const target = join(workspace, path);
    await mkdir(folder, { recursive: true });
    const existing = await lstat(target).catch(() => undefined);
    if (!existing) {
      await mkdir(join(target, '..'), { recursive: true });
      await symlink(folder, target, 'dir');
      emit({ kind: 'cache.restore', message: `cache ${path}: restored`, level: 'info' });
    } else if (existing.isSymbolicLink() && (await readlink(target)) === folder) {
      emit({ kind: 'cache.restore', message: `cache ${path}: in place`, level: 'debug' });
    }
  }
}

/** After the commands: a workspace folder that is not the link is copied into the cache. */
export async function saveCaches(workspace: string, cachesDir: string, paths: readonly string[]) {
  for (const path of paths) {
    if (isHostPath(path)) continue;
    const target = join(workspace, path);
    const existing = await lstat(target).catch(() => undefined);
    if (existing?.isDirectory()) {
      await cp(target, cacheFolder(cachesDir, path), { recursive: true, force: true });
    }
  }
}
