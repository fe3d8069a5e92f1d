import {
  chmodSync,
  chownSync,
  lchownSync,
  linkSync,
  lstatSync,
  mkdirSync,
  readlinkSync,
  rmSync,
  type Stats,
  symlinkSync,
} from 'node:fs';
import { chmod, chown, copyFile, lstat } from 'node:fs/promises';
import { posix } from 'node:path';
import { InputError } from '../../errors/index.js';
import { MtimeSetter } from '../../layer/index.js';
import { explainOwnerError } from '../../util/userns.js';
import { WorkPool } from '../../util/work-pool.js';
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
const FILES_IN_FLIGHT = 4;

/** Copy every item into `destRoot`; returns how many entries were written. */
export async function executeCopy(
  items: CopyItem[],
  spec: CopySpec,
  destRoot: string,
): Promise<number> {
  const writer = new TreeWriter(destRoot, spec.owner ?? { uid: 0, gid: 0 });
  const links = new Map<string, string>();
  // Times to the nanosecond, set last (so creating children cannot disturb a directory's).
  const times = new MtimeSetter();
  // File contents are copied several at once: most of a large COPY's time is the
  // kernel creating and filling files, which a second core (and the disk) can share.
  const files = new WorkPool(FILES_IN_FLIGHT);
  let count = 0;
  try {
    count = await writeEntries(items, spec, writer, { links, times, files });
    await files.done();
  } finally {
    await files.settled();
  }
  await times.flush();
  return count;
}

/** What writing the entries of one copy shares. */
interface CopyState {
  /** The first destination of each hardlinked source inode. */
  links: Map<string, string>;
  times: MtimeSetter;
  files: WorkPool;
}

async function writeEntries(
  items: CopyItem[],
  spec: CopySpec,
  writer: TreeWriter,
  { links, times, files }: CopyState,
): Promise<number> {
  let count = 0;
  // What this copy wrote: a later source landing on the same path waits for the
  // pool, then replaces it. A path in a folder the copy made holds nothing else.
  const written = new Set<string>();
  const ids = { uid: process.geteuid?.() ?? 0, gid: process.getegid?.() ?? 0 };
  for await (const entry of walkCopy(items, spec)) {
    const owner = spec.owner ?? (spec.fromContext ? { uid: 0, gid: 0 } : entry.stat);
    try {
      const dest = await writer.place(entry.target);
      const inMadeFolder = writer.made.has(dest.slice(0, dest.lastIndexOf('/')));
      if (written.has(dest)) await files.done();
      const source = entry.stat.mode & 0o7777;
      const mode = spec.chmod?.apply(source, entry.stat.isDirectory()) ?? source;
      count += 1;
      if (entry.archive) {
        await writer.ensureDirectory(entry.target);
        await unpackArchive(entry.hostPath, dest);
      } else if (entry.stat.isDirectory()) {
        const existing = lstatSync(dest, { throwIfNoEntry: false });
        if (existing && !existing.isDirectory()) rmSync(dest, { recursive: true });
        if (!existing?.isDirectory()) mkdirSync(dest);
        writer.known.set(entry.target, dest);
        written.add(dest);
        if (entry.depth === 0) {
          // The destination of a directory's contents keeps its metadata when it
          // exists; made here, it is a created directory: --chown's owner (else
          // 0:0) and --chmod's mode (else 0755), whatever the source's were. A
          // symbolic --chmod changes that 0755 as it would a directory's own mode
          // (our choice, by analogy with octal replacing it: see mode.ts).
          if (existing?.isDirectory()) continue;
          const created = spec.owner ?? { uid: 0, gid: 0 };
          const createdMode = spec.chmod?.apply(CREATED_DIR_MODE, true) ?? CREATED_DIR_MODE;
          chownSync(dest, created.uid, created.gid);
          chmodSync(dest, createdMode);
          writer.noteMade(dest, createdMode);
          continue;
        }
        chownSync(dest, owner.uid, owner.gid);
        chmodSync(dest, mode);
        if (!existing?.isDirectory()) writer.noteMade(dest, mode);
        times.add(dest, paxTime(entry.hostPath));
      } else {
        if (written.has(dest) || !inMadeFolder) clear(dest);
        written.add(dest);
        if (entry.stat.isSymbolicLink()) {
          times.add(dest, paxTime(entry.hostPath));
          symlinkSync(readlinkSync(entry.hostPath), dest);
          lchownSync(dest, owner.uid, owner.gid);
          continue;
        }
        const first = linkTarget(entry, dest, links);
        if (first !== undefined) {
          times.add(dest, paxTime(entry.hostPath));
          // The first copy of this inode may still be in flight: link once it is done.
          await files.done();
          linkSync(first, dest);
          continue;
        }
        // copyFile gives the file the source's mode; in a folder this copy made
        // (no setgid), a file root creates is root's. Only what differs is set.
        const needsOwner = !inMadeFolder || owner.uid !== ids.uid || owner.gid !== ids.gid;
        const needsMode = needsOwner || mode !== source || (mode & 0o6000) !== 0;
        const { hostPath, target } = entry;
        await files.add(async () => {
          try {
            const { mtimeNs } = await lstat(hostPath, { bigint: true });
            times.add(dest, nanoTime(mtimeNs));
            await copyFile(hostPath, dest);
            if (needsOwner) await chown(dest, owner.uid, owner.gid);
            if (needsMode) await chmod(dest, mode);
          } catch (error) {
            throw explainOwnerError(error, owner.uid, owner.gid, target);
          }
        });
      }
    } catch (error) {
      // Root of a user namespace can give only the ids the namespace maps.
      throw explainOwnerError(error, owner.uid, owner.gid, entry.target);
    }
  }
  return count;
}

/**
 * For a second name of a hardlinked source, the destination of its first;
 * undefined for a file to copy (the first name is remembered). Only regular
 * files are copied.
 */
function linkTarget(
  entry: CopyEntry,
  dest: string,
  links: Map<string, string>,
): string | undefined {
  const { stat } = entry;
  const inode = `${stat.dev}:${stat.ino}`;
  const first = stat.nlink > 1 ? links.get(inode) : undefined;
  if (first !== undefined) return first;
  if (stat.nlink > 1) links.set(inode, dest);
  if (!stat.isFile()) {
    throw new InputError('COPY_SOURCE_KIND', `${entry.hostPath}: cannot copy a ${kindOf(stat)}`, {
      hint: 'COPY takes files, folders and links; leave it out with .dockerignore or --exclude',
    });
  }
  return undefined;
}

/** A source's mtime as PAX time text, to the nanosecond (Stats rounds to microseconds). */
function paxTime(path: string): string {
  return nanoTime(lstatSync(path, { bigint: true }).mtimeNs);
}

function nanoTime(ns: bigint): string {
  if (ns < 0n) return String(ns / 1_000_000_000n);
  return `${ns / 1_000_000_000n}.${String(ns % 1_000_000_000n).padStart(9, '0')}`;
}

function clear(dest: string): void {
  const existing = lstatSync(dest, { throwIfNoEntry: false });
  if (existing) rmSync(dest, { recursive: true, force: true });
}

function kindOf(stat: Stats): string {
  if (stat.isFIFO()) return 'named pipe';
  if (stat.isSocket()) return 'socket';
  return 'device file';
}

/** Host paths for image paths, creating missing parents as BuildKit does. */
class TreeWriter {
  readonly known = new Map<string, string>();
  /** Host folders this copy made, without setgid: nothing else is in them. */
  readonly made = new Set<string>();

  constructor(
    private readonly root: string,
    private readonly owner: Owner,
  ) {}

  /** Remember a folder this copy made; one with setgid gives new files its group. */
  noteMade(host: string, mode: number): void {
    if ((mode & 0o2000) === 0) this.made.add(host);
  }

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
    const existing = lstatSync(host, { throwIfNoEntry: false });
    if (!existing) {
      await this.ensureDirectory(posix.dirname(path));
      mkdirSync(host);
      chownSync(host, this.owner.uid, this.owner.gid);
      chmodSync(host, CREATED_DIR_MODE);
      this.noteMade(host, CREATED_DIR_MODE);
    } else if (!existing.isDirectory()) {
      throw new InputError('COPY_DEST_NOT_DIR', `cannot copy into ${path}: it is not a directory`, {
        hint: `the image has a file at ${path}: copy to another path`,
      });
    }
    this.known.set(path, host);
    return host;
  }
}
