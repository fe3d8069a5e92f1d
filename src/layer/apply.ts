import { execFile } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  lchownSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  symlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { InputError, withContext } from '../errors/index.js';
import { type Digest, Digester } from '../image/index.js';
import { currentUserNamespace, explainOwnerError } from '../util/userns.js';
import {
  cleanLayerPath,
  OPAQUE_WHITEOUT,
  WHITEOUT_META_PREFIX,
  WHITEOUT_PREFIX,
} from './change.js';
import { decompressor, detectCompression, peek } from './compression.js';
import { MtimeSetter } from './mtimes.js';
import { lstatOrUndefined, resolveInRoot, resolveInRootSync } from './root-path.js';
import { readTar, type TarEntry, type TarEntryHeader } from './tar-read.js';
import { tap } from './write.js';
import { writeXattr, writeXattrSync } from './xattr.js';

const run = promisify(execFile);

/** How a layer is applied. */
export interface ApplyLayerOptions {
  /**
   * `apply` (default) carries whiteouts out: deletes what they name, empties
   * opaque directories. `overlay` writes overlayfs's own whiteouts (0/0
   * character devices, the opaque xattr) so the result can be a lowerdir.
   */
  whiteouts?: 'apply' | 'overlay';
  /**
   * The xattr namespace overlay whiteouts use: `trusted` (root), or `user`
   * (userxattr, the default in a user namespace, where trusted.* is refused).
   */
  overlayXattr?: 'trusted' | 'user';
  /** Set owners from the layer (default true; rootless extraction may turn it off). */
  owners?: boolean;
}

/** What applying a layer found: the diffID of its tar and how many entries it had. */
export interface AppliedLayer {
  diffId: Digest;
  entries: number;
}

/**
 * Extract a layer blob (gzip, zstd or plain tar, told apart by magic bytes)
 * into `root`, honouring whiteouts and keeping owners, modes, mtimes,
 * xattrs, links and devices. No entry can write outside `root`.
 */
export async function applyLayer(
  tar: Readable,
  root: string,
  options: ApplyLayerOptions = {},
): Promise<AppliedLayer> {
  await mkdir(root, { recursive: true });
  const compression = detectCompression(await peek(tar, 4));
  const diffId = new Digester();
  const plain = new PassThrough();
  const feeding = pipeline(tar, decompressor(compression), tap(diffId), plain);
  const applier = new Applier(root, options);
  try {
    for await (const entry of readTar(plain)) await applier.apply(entry);
    await feeding;
    await applier.finish();
  } catch (error) {
    plain.destroy();
    tar.destroy();
    await feeding.catch(() => {});
    throw withContext('applying layer', error);
  }
  return { diffId: diffId.digest(), entries: applier.entries };
}

class Applier {
  entries = 0;
  /** Paths this layer wrote, so an opaque marker keeps them. */
  private readonly written = new Set<string>();
  private readonly mtimes = new MtimeSetter();
  /** Parent directories already resolved: entries come in tree order, siblings together. */
  private readonly parents = new Map<string, string>();

  constructor(
    private readonly root: string,
    private readonly options: ApplyLayerOptions,
  ) {}

  async apply(entry: TarEntry): Promise<void> {
    const { header } = entry;
    const name = entryPath(header.name);
    const slash = name.lastIndexOf('/');
    const parent = name.slice(0, Math.max(slash, 0));
    const base = name.slice(slash + 1);
    this.entries++;
    try {
      if (base.startsWith(WHITEOUT_PREFIX)) {
        entry.body.resume();
        this.parents.clear();
        await this.whiteout(parent, base);
      } else if (name === '') {
        entry.body.resume();
        if (header.type === 'directory') this.metadata(this.root, header);
      } else {
        await this.create(entry, name, parent, base);
      }
    } catch (error) {
      entry.body.resume();
      throw withContext(`entry ${JSON.stringify(header.name)}`, error);
    }
  }

  async finish(): Promise<void> {
    await this.mtimes.flush();
  }

  private async whiteout(parent: string, base: string): Promise<void> {
    const overlay = this.options.whiteouts === 'overlay';
    // Applying, a whiteout under a missing directory hides nothing: create nothing.
    const dir = await resolveInRoot(this.root, parent, overlay).catch((error) => {
      if (overlay || (error as { code?: string }).code !== 'NOT_A_DIRECTORY') throw error;
      return undefined;
    });
    if (dir === undefined) return;
    const namespace =
      this.options.overlayXattr ?? (currentUserNamespace() === undefined ? 'trusted' : 'user');
    if (base === OPAQUE_WHITEOUT) {
      if (overlay) await writeXattr(dir, `${namespace}.overlay.opaque`, Buffer.from('y'));
      else await this.clearExcept(dir, parent);
      return;
    }
    if (base.startsWith(WHITEOUT_META_PREFIX)) return;
    const hidden = base.slice(WHITEOUT_PREFIX.length);
    if (hidden === '' || hidden === '.' || hidden === '..') {
      throw new InputError('BAD_WHITEOUT', `whiteout ${base} names no file`);
    }
    await rm(join(dir, hidden), { recursive: true, force: true });
    if (overlay) await run('mknod', ['-m', '000', join(dir, hidden), 'c', '0', '0']);
  }

  /** Empty a directory made opaque, keeping what this layer already put there. */
  private async clearExcept(dir: string, relative: string): Promise<void> {
    for (const child of await readdir(dir).catch(() => [] as string[])) {
      const path = relative === '' ? child : `${relative}/${child}`;
      if (!this.written.has(path)) {
        await rm(join(dir, child), { recursive: true, force: true });
      } else if ((await lstatOrUndefined(join(dir, child)))?.isDirectory()) {
        await this.clearExcept(join(dir, child), path);
      }
    }
  }

  /** The host directory of an entry's parent, made where missing. */
  private parentDir(parent: string): string {
    let dir = this.parents.get(parent);
    if (dir === undefined) {
      dir = resolveInRootSync(this.root, parent, true);
      this.parents.set(parent, dir);
    }
    return dir;
  }

  private async create(entry: TarEntry, name: string, parent: string, base: string) {
    const { header } = entry;
    const target = join(this.parentDir(parent), base);
    const existing = lstatSync(target, { throwIfNoEntry: false });
    const isDir = header.type === 'directory';
    if (existing && !(isDir && existing.isDirectory())) {
      // What the removed path resolved for its children no longer holds.
      this.parents.clear();
      await rm(target, { recursive: true, force: true });
    }
    this.written.add(name);

    switch (header.type) {
      case 'directory':
        entry.body.resume();
        if (!existing?.isDirectory()) mkdirSync(target, { mode: 0o700 });
        break;
      case 'file':
      case 'contiguous-file':
        await writeBody(entry.body, target);
        break;
      case 'symlink':
        entry.body.resume();
        symlinkSync(header.linkname, target);
        break;
      case 'link':
        entry.body.resume();
        linkSync(await this.linkTarget(header.linkname), target);
        return; // a hard link shares its target's inode and metadata
      case 'character-device':
      case 'block-device':
      case 'fifo':
        entry.body.resume();
        await run('mknod', ['-m', '000', target, ...deviceArgs(header)]);
        break;
      default:
        entry.body.resume();
        this.entries--;
        return;
    }
    this.metadata(target, header);
  }

  private async linkTarget(linkname: string): Promise<string> {
    const name = entryPath(linkname);
    const slash = name.lastIndexOf('/');
    const dir = await resolveInRoot(this.root, name.slice(0, Math.max(slash, 0)));
    const target = join(dir, name.slice(slash + 1));
    if (name === '' || (await lstatOrUndefined(target)) === undefined) {
      throw new InputError('BAD_HARDLINK', `hard link target ${linkname} does not exist`);
    }
    return target;
  }

  private metadata(path: string, header: TarEntryHeader): void {
    const pax = header.pax ?? {};
    if (this.options.owners !== false) {
      const uid = pax.uid === undefined ? header.uid : Number(pax.uid);
      const gid = pax.gid === undefined ? header.gid : Number(pax.gid);
      try {
        lchownSync(path, uid, gid);
      } catch (error) {
        throw explainOwnerError(error, uid, gid);
      }
    }
    if (header.type !== 'symlink') chmodSync(path, header.mode & 0o7777);
    for (const [key, value] of header.xattrs) writeXattrSync(path, key, value);
    this.mtimes.add(path, pax.mtime ?? String(Math.floor(header.mtime.getTime() / 1000)));
  }
}

/** An entry's name as a clean relative path; `..` and absolute names are refused. */
function entryPath(name: string): string {
  const clean = name.startsWith('/') ? undefined : cleanLayerPath(name);
  if (clean === undefined) {
    throw new InputError(
      'UNSAFE_LAYER_PATH',
      `layer entry ${JSON.stringify(name)} points outside the root (absolute or "..")`,
      { hint: 'the layer is damaged or malicious; it was not applied' },
    );
  }
  return clean;
}

function deviceArgs(header: TarEntryHeader): string[] {
  if (header.type === 'fifo') return ['p'];
  const kind = header.type === 'block-device' ? 'b' : 'c';
  return [kind, String(header.devmajor), String(header.devminor)];
}

/** Files up to this size are gathered and written in one call. */
const INLINE_BYTES = 1 << 20;

/** Write a file's body (sync writes: one thread-pool round trip per file is the cost). */
async function writeBody(body: AsyncIterable<Buffer>, target: string): Promise<void> {
  const chunks: Buffer[] = [];
  let size = 0;
  let fd: number | undefined;
  try {
    for await (const chunk of body) {
      if (fd === undefined && size + chunk.length <= INLINE_BYTES) {
        chunks.push(chunk);
        size += chunk.length;
        continue;
      }
      if (fd === undefined) {
        fd = openSync(target, 'wx', 0o600);
        for (const gathered of chunks) writeSync(fd, gathered);
      }
      writeSync(fd, chunk);
    }
    if (fd === undefined)
      writeFileSync(target, Buffer.concat(chunks, size), { flag: 'wx', mode: 0o600 });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
