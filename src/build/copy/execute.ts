import type { Stats } from 'node:fs';
import {
  chmod,
  chown,
  copyFile,
  lchown,
  link,
  lstat,
  lutimes,
  mkdir,
  readlink,
  rm,
  symlink,
  utimes,
} from 'node:fs/promises';
import { posix } from 'node:path';
import { InputError } from '../../errors/index.js';
import { unpackArchive } from './archive.js';
import type { Owner } from './owner.js';
import type { CopyItem, CopySpec } from './plan.js';
import { resolveInRoot } from './resolve.js';
import { type CopyEntry, walkCopy } from './walk.js';

// Writing a planned copy into a root filesystem, with BuildKit's metadata
// rules: owners 0:0 from the context (or --chown, or kept --from), --chmod on
// files and directories, parent directories the copy creates 0755 owned by the
// --chown user, an existing destination directory left as it is.

const CREATED_DIR_MODE = 0o755;

/** Copy every item into `destRoot`; returns how many entries were written. */
export async function executeCopy(
  items: CopyItem[],
  spec: CopySpec,
  destRoot: string,
): Promise<number> {
  const writer = new TreeWriter(destRoot, spec.owner ?? { uid: 0, gid: 0 });
  const links = new Map<string, string>();
  const dirTimes: [string, Stats][] = [];
  let count = 0;
  for await (const entry of walkCopy(items, spec)) {
    const dest = await writer.place(entry.target);
    const owner = spec.owner ?? (spec.fromContext ? { uid: 0, gid: 0 } : entry.stat);
    const mode = spec.chmod ?? entry.stat.mode & 0o7777;
    count += 1;
    if (entry.archive) {
      await writer.ensureDirectory(entry.target);
      await unpackArchive(entry.hostPath, dest);
    } else if (entry.stat.isDirectory()) {
      const existing = await lstat(dest).catch(() => undefined);
      if (existing && !existing.isDirectory()) await rm(dest, { recursive: true });
      if (!existing?.isDirectory()) await mkdir(dest);
      writer.known.set(entry.target, dest);
      if (entry.depth === 0) {
        // The destination of a directory's contents keeps its metadata when it
        // exists; made here, it is a created directory: --chown's owner (else
        // 0:0) and --chmod's mode (else 0755), whatever the source's were.
        if (existing?.isDirectory()) continue;
        const created = spec.owner ?? { uid: 0, gid: 0 };
        await chown(dest, created.uid, created.gid);
        await chmod(dest, spec.chmod ?? CREATED_DIR_MODE);
        continue;
      }
      await chown(dest, owner.uid, owner.gid);
      await chmod(dest, mode);
      dirTimes.push([dest, entry.stat]);
    } else {
      await clear(dest);
      await copyEntry(entry, dest, links);
      if (entry.stat.isSymbolicLink()) {
        await lchown(dest, owner.uid, owner.gid);
        await lutimes(dest, entry.stat.atime, entry.stat.mtime);
        continue;
      }
      await chown(dest, owner.uid, owner.gid);
      await chmod(dest, mode);
      await utimes(dest, entry.stat.atime, entry.stat.mtime);
    }
  }
  for (const [dest, stat] of dirTimes.reverse()) await utimes(dest, stat.atime, stat.mtime);
  return count;
}

async function copyEntry(entry: CopyEntry, dest: string, links: Map<string, string>) {
  const { stat } = entry;
  if (stat.isSymbolicLink()) return symlink(await readlink(entry.hostPath), dest);
  const inode = `${stat.dev}:${stat.ino}`;
  const first = stat.nlink > 1 ? links.get(inode) : undefined;
  if (first !== undefined) return link(first, dest);
  if (stat.nlink > 1) links.set(inode, dest);
  if (!stat.isFile()) {
    throw new InputError('COPY_SOURCE_KIND', `${entry.hostPath}: cannot copy a ${kindOf(stat)}`, {
      hint: 'COPY takes files, folders and links; leave it out with .dockerignore or --exclude',
    });
  }
  return copyFile(entry.hostPath, dest);
}

async function clear(dest: string): Promise<void> {
  const existing = await lstat(dest).catch(() => undefined);
  if (existing) await rm(dest, { recursive: true, force: true });
}

function kindOf(stat: Stats): string {
  if (stat.isFIFO()) return 'named pipe';
  if (stat.isSocket()) return 'socket';
  return 'device file';
}

/** Host paths for image paths, creating missing parents as BuildKit does. */
class TreeWriter {
  readonly known = new Map<string, string>();

  constructor(
    private readonly root: string,
    private readonly owner: Owner,
  ) {}

  /** The host path an entry at `target` is written to; its parent exists after. */
  async place(target: string): Promise<string> {
    const parent = await this.ensureDirectory(posix.dirname(target));
    return `${parent}/${posix.basename(target)}`.replace(/\/\/+/g, '/');
  }

  /** The host path of a directory, made (0755, owned by --chown) where missing. */
  async ensureDirectory(path: string): Promise<string> {
    const cached = this.known.get(path);
    if (cached !== undefined) return cached;
    const host = await resolveInRoot(this.root, path);
    const existing = await lstat(host).catch(() => undefined);
    if (!existing) {
      await this.ensureDirectory(posix.dirname(path));
      await mkdir(host);
      await chown(host, this.owner.uid, this.owner.gid);
      await chmod(host, CREATED_DIR_MODE);
    } else if (!existing.isDirectory()) {
      throw new InputError('COPY_DEST_NOT_DIR', `cannot copy into ${path}: it is not a directory`, {
        hint: `the image has a file at ${path}: copy to another path`,
      });
    }
    this.known.set(path, host);
    return host;
  }
}
