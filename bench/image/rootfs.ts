import { createHash } from 'node:crypto';
import type { TarEntry } from './tar.js';

/** A file-system object of an unpacked image, as the comparison sees it. */
export interface FsNode {
  type: 'file' | 'dir' | 'symlink' | 'char' | 'block' | 'fifo';
  /** Permission and special bits (07777). */
  mode: number;
  uid: number;
  gid: number;
  size: number;
  sha256?: string;
  /** The text of a small file, for readable differences. */
  preview?: string;
  linkTarget?: string;
  device?: string;
  xattrs: Record<string, string>;
  mtime: string;
  /** Same number = same inode (hardlinks). */
  inode: number;
  /** Made by the unpacker for a missing parent, not by any layer entry. */
  implicit?: boolean;
}

/** A root file system: absolute path ('/' for the root) to its node. */
export type Rootfs = Map<string, FsNode>;

/** Something odd in a layer itself, e.g. an absolute hardlink target (builder-bugs B09). */
export interface LayerAnomaly {
  layer: number;
  path: string;
  problem: string;
}

const TYPES: Record<string, FsNode['type']> = {
  '0': 'file',
  '2': 'symlink',
  '3': 'char',
  '4': 'block',
  '5': 'dir',
  '6': 'fifo',
};

let inodes = 0;

/** `./a/b/` -> `/a/b`; the root is `/`. */
export function cleanPath(name: string): string {
  const parts = name.split('/').filter((part) => part !== '' && part !== '.');
  return `/${parts.join('/')}`;
}

function parentOf(path: string): string {
  const cut = path.lastIndexOf('/');
  return cut <= 0 ? '/' : path.slice(0, cut);
}

function removeTree(rootfs: Rootfs, path: string, keep?: Set<string>): void {
  const prefix = path === '/' ? '/' : `${path}/`;
  for (const candidate of [...rootfs.keys()]) {
    if ((candidate === path || candidate.startsWith(prefix)) && !keep?.has(candidate)) {
      rootfs.delete(candidate);
    }
  }
}

function ensureParents(rootfs: Rootfs, path: string): void {
  const missing: string[] = [];
  for (let dir = parentOf(path); !rootfs.has(dir); dir = parentOf(dir)) {
    missing.push(dir);
    if (dir === '/') break;
  }
  for (const dir of missing) {
    const node = { type: 'dir', mode: 0o755, uid: 0, gid: 0, size: 0, xattrs: {} } as const;
    rootfs.set(dir, { ...node, mtime: '0', inode: ++inodes, implicit: true });
  }
}

function nodeOf(entry: TarEntry): FsNode {
  const type = TYPES[entry.type];
  if (!type) throw new Error(`${entry.name}: unsupported tar type ${entry.type}`);
  const node: FsNode = {
    type,
    mode: entry.mode & 0o7777,
    uid: entry.uid,
    gid: entry.gid,
    size: entry.size,
    xattrs: entry.xattrs,
    mtime: entry.mtime,
    inode: ++inodes,
  };
  if (type === 'file') {
    node.sha256 = createHash('sha256').update(entry.content).digest('hex');
    if (entry.size <= 120) node.preview = JSON.stringify(entry.content.toString('utf8'));
  }
  if (type === 'symlink') node.linkTarget = entry.linkname;
  if (type === 'char' || type === 'block') node.device = `${entry.devmajor}:${entry.devminor}`;
  return node;
}

/** Applies one layer's entries on top of `rootfs`, honouring whiteouts as the OCI spec says. */
export function applyLayer(
  rootfs: Rootfs,
  entries: Iterable<TarEntry>,
  layer: number,
  anomalies: LayerAnomaly[],
): void {
  const thisLayer = new Set<string>();
  for (const entry of entries) {
    const path = cleanPath(entry.name);
    const base = path.slice(path.lastIndexOf('/') + 1);
    if (base === '.wh..wh..opq') {
      const dir = parentOf(path);
      removeTree(rootfs, dir, new Set([dir, ...thisLayer]));
      continue;
    }
    if (base.startsWith('.wh.')) {
      removeTree(rootfs, `${parentOf(path) === '/' ? '' : parentOf(path)}/${base.slice(4)}`);
      continue;
    }
    thisLayer.add(path);
    ensureParents(rootfs, path);
    const existing = rootfs.get(path);
    if (entry.type === '1') {
      if (entry.linkname.startsWith('/')) {
        anomalies.push({ layer, path, problem: `absolute hardlink target ${entry.linkname}` });
      }
      const target = rootfs.get(cleanPath(entry.linkname));
      if (!target) {
        anomalies.push({ layer, path, problem: `hardlink to missing ${entry.linkname}` });
        continue;
      }
      if (existing) removeTree(rootfs, path);
      rootfs.set(path, target);
      continue;
    }
    const node = nodeOf(entry);
    if (existing?.type === 'dir' && node.type === 'dir') {
      rootfs.set(path, node);
      continue;
    }
    if (existing) removeTree(rootfs, path);
    rootfs.set(path, node);
  }
}

/** For each hardlinked path, the other paths of its inode (sorted). */
export function hardlinkGroups(rootfs: Rootfs): Map<string, string[]> {
  const byInode = new Map<FsNode, string[]>();
  for (const [path, node] of rootfs) {
    if (node.type === 'dir') continue;
    byInode.set(node, [...(byInode.get(node) ?? []), path]);
  }
  const groups = new Map<string, string[]>();
  for (const paths of byInode.values()) {
    if (paths.length < 2) continue;
    for (const path of paths) groups.set(path, paths.filter((p) => p !== path).sort());
  }
  return groups;
}
