import { createHash } from 'node:crypto';
import { createReadStream, readFileSync, readlinkSync, type Stats } from 'node:fs';
import { RecordDigest } from '../cache-key.js';
import type { FileHashCache } from './hash-cache.js';
import type { CopyItem, CopySpec } from './plan.js';
import { walkCopy } from './walk.js';

// The content part of a COPY's cache key: every entry the copy would write,
// with its destination, type, mode, owner (when kept), size and content.

/** A digest over what `executeCopy` would write, computed without writing. */
export async function digestCopy(
  items: CopyItem[],
  spec: CopySpec,
  hashes?: FileHashCache,
): Promise<string> {
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
    const content = await contentOf(entry.hostPath, stat, hashes);
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

async function contentOf(path: string, stat: Stats, hashes?: FileHashCache): Promise<string> {
  if (stat.isSymbolicLink()) return readlinkSync(path);
  if (!stat.isFile()) return '';
  const known = hashes?.get(stat);
  if (known !== undefined) return known;
  const hash = createHash('sha256');
  // Small files in one read; big ones streamed.
  if (stat.size <= 1 << 20) hash.update(readFileSync(path));
  else for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  const digest = `${stat.size}:${hash.digest('hex')}`;
  hashes?.set(stat, digest);
  return digest;
}
