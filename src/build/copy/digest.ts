import { createHash } from 'node:crypto';
import { createReadStream, type Stats } from 'node:fs';
import { readlink } from 'node:fs/promises';
import { RecordDigest } from '../cache-key.js';
import type { CopyItem, CopySpec } from './plan.js';
import { walkCopy } from './walk.js';

// The content part of a COPY's cache key: every entry the copy would write,
// with its destination, type, mode, owner (when kept), size and content.

/** A digest over what `executeCopy` would write, computed without writing. */
export async function digestCopy(items: CopyItem[], spec: CopySpec): Promise<string> {
  const records = new RecordDigest();
  const firstLinks = new Map<string, string>();
  for await (const entry of walkCopy(items, spec)) {
    const { stat } = entry;
    // Hardlinks are recorded by the first path of their group, not by inode.
    const inode = `${stat.dev}:${stat.ino}`;
    const linkedTo = stat.isFile() && stat.nlink > 1 ? firstLinks.get(inode) : undefined;
    if (stat.isFile() && stat.nlink > 1 && linkedTo === undefined) {
      firstLinks.set(inode, entry.target);
    }
    const owner = spec.fromContext ? null : [stat.uid, stat.gid];
    const content = await contentOf(entry.hostPath, stat);
    records.add([
      entry.target,
      linkedTo === undefined ? typeOf(stat) : ['hardlink', linkedTo],
      stat.mode & 0o7777,
      owner,
      entry.depth,
      entry.archive,
      content,
    ]);
  }
  return records.digest();
}

function typeOf(stat: Stats): string {
  if (stat.isDirectory()) return 'dir';
  if (stat.isSymbolicLink()) return 'symlink';
  if (stat.isFile()) return 'file';
  return 'other';
}

async function contentOf(path: string, stat: Stats): Promise<string> {
  if (stat.isSymbolicLink()) return readlink(path);
  if (!stat.isFile()) return '';
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return `${stat.size}:${hash.digest('hex')}`;
}
