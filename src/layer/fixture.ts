import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import type { BigIntStats } from 'node:fs';
import {
  chmod,
  lchown,
  link,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readXattrs, writeXattr } from './xattr.js';

// A small file tree with every kind of entry a layer carries, for tests and
// benchmarks of the writer and the applier. Needs root for the owners.

/** The long path in the fixture, past ustar's 100+155 limits. */
export const LONG_NAME = `deep/${'d'.repeat(120)}/${'f'.repeat(110)}.txt`;

/** Set a path's mtime to the nanosecond (node's utimes rounds through a double). */
export function setMtime(path: string, sec: number, nsec = 0): void {
  const stamp = `@${sec}.${String(nsec).padStart(9, '0')}`;
  execFileSync('touch', ['-h', '-d', stamp, '--', path]);
}

/** Make the fixture tree in a new temporary directory and return its path. */
export async function makeFixtureTree(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'slipway-layer-fixture-'));
  await mkdir(join(root, 'bin'), { mode: 0o755 });
  await mkdir(join(root, 'etc'), { mode: 0o755 });
  await mkdir(join(root, 'deep', 'd'.repeat(120)), { recursive: true, mode: 0o755 });
  await writeFile(join(root, 'bin', 'busybox'), 'busybox binary\n', { mode: 0o755 });
  await link(join(root, 'bin', 'busybox'), join(root, 'bin', 'ls'));
  await symlink('busybox', join(root, 'bin', 'sh'));
  await writeFile(join(root, 'etc', 'hosts'), '127.0.0.1 localhost\n', { mode: 0o644 });
  await writeFile(join(root, 'etc', 'shadow'), 'root:*:1::::::\n', { mode: 0o640 });
  await writeFile(join(root, 'bin', 'ping'), 'ping\n', { mode: 0o4755 });
  await writeFile(join(root, LONG_NAME), 'long\n', { mode: 0o600 });
  await writeFile(join(root, 'etc', 'caf\u00e9'), 'utf-8 name\n', { mode: 0o644 });
  await mkdir(join(root, 'dev'), { mode: 0o755 });
  execFileSync('mknod', ['-m', '666', join(root, 'dev', 'null'), 'c', '1', '3']);
  execFileSync('mknod', ['-m', '600', join(root, 'dev', 'initctl'), 'p']);
  await lchown(join(root, 'etc', 'shadow'), 0, 42);
  await lchown(join(root, LONG_NAME), 1000, 1000);
  await lchown(join(root, 'bin', 'sh'), 7, 8);
  // cap_net_raw+ep, with a byte >= 0x80 (cap_setuid) to catch text decoding.
  const capability = Buffer.from('0100000280200000000000000000000000000000', 'hex');
  await writeXattr(join(root, 'bin', 'ping'), 'security.capability', capability);
  await writeXattr(join(root, 'etc', 'hosts'), 'user.origin', Buffer.from('fixture'));
  // chown and setting security.capability clear set-user-ID: set it last.
  await chmod(join(root, 'bin', 'ping'), 0o4755);

  const stamps: [string, number, number][] = [
    ['bin/busybox', 1_600_000_000, 123_456_789],
    ['bin/sh', 1_600_000_001, 0],
    ['bin/ping', 1_600_000_002, 500_000_000],
    ['etc/hosts', 1_800_000_000, 1],
    ['etc/shadow', 1_600_000_003, 0],
    ['etc/caf\u00e9', 1_600_000_004, 0],
    [LONG_NAME, 1_600_000_005, 999_999_999],
    [`deep/${'d'.repeat(120)}`, 1_600_000_006, 0],
    ['deep', 1_600_000_007, 0],
    ['bin', 1_600_000_008, 0],
    ['dev/null', 1_600_000_009, 0],
    ['dev/initctl', 1_600_000_010, 0],
    ['dev', 1_600_000_011, 0],
    ['etc', 1_900_000_000, 0],
  ];
  for (const [path, sec, nsec] of stamps) setMtime(join(root, path), sec, nsec);
  return root;
}

/** What a tree looks like, path by path, for comparing two trees exactly. */
export interface TreeEntry {
  type: string;
  mode: string;
  owner: string;
  mtime: string;
  size: number;
  sha256?: string;
  target?: string;
  /** The first path (in sorted order) sharing this entry's inode, for hard links. */
  linkGroup?: string;
  rdev?: number;
  xattrs?: Record<string, string>;
}

/** Describe every entry under `root` (not root itself), keyed by relative path. */
export async function describeTree(root: string): Promise<Record<string, TreeEntry>> {
  const described: Record<string, TreeEntry> = {};
  const inodes = new Map<string, string>();
  const walk = async (relative: string): Promise<void> => {
    const names = (await readdir(join(root, relative))).sort();
    for (const name of names) {
      const path = relative === '' ? name : `${relative}/${name}`;
      const full = join(root, path);
      const stat = await lstat(full, { bigint: true });
      const xattrs = await readXattrs(full, () => true);
      const entry: TreeEntry = {
        type: kindOf(stat),
        mode: (stat.mode & 0o7777n).toString(8),
        owner: `${stat.uid}:${stat.gid}`,
        mtime: stat.mtimeNs.toString(),
        size: stat.isFile() ? Number(stat.size) : 0,
      };
      if (stat.isFile()) {
        entry.sha256 = createHash('sha256')
          .update(await readFile(full))
          .digest('hex');
        if (stat.nlink > 1n) {
          const key = `${stat.dev}:${stat.ino}`;
          entry.linkGroup = inodes.get(key) ?? path;
          inodes.set(key, entry.linkGroup);
        }
      }
      if (stat.isSymbolicLink()) entry.target = await readlink(full);
      if (stat.isCharacterDevice() || stat.isBlockDevice()) entry.rdev = Number(stat.rdev);
      if (xattrs.size > 0) {
        entry.xattrs = Object.fromEntries([...xattrs].map(([k, v]) => [k, v.toString('hex')]));
      }
      described[path] = entry;
      if (stat.isDirectory()) await walk(path);
    }
  };
  await walk('');
  return described;
}

function kindOf(stat: BigIntStats): string {
  if (stat.isFile()) return 'file';
  if (stat.isDirectory()) return 'dir';
  if (stat.isSymbolicLink()) return 'symlink';
  if (stat.isCharacterDevice()) return 'char';
  if (stat.isBlockDevice()) return 'block';
  if (stat.isFIFO()) return 'fifo';
  return 'other';
}
