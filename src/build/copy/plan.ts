import type { Stats } from 'node:fs';
import { lstat, readlink, stat } from 'node:fs/promises';
import { posix } from 'node:path';
import { InputError } from '../../errors/index.js';
import { isArchive } from './archive.js';
import type { ModeChange } from './mode.js';
import type { Owner } from './owner.js';
import { expandSource, resolveInRoot, type Visibility } from './resolve.js';

// Which source goes where: BuildKit's COPY/ADD rules for sources and the
// destination, before any file is read or written.

/** What a COPY or ADD asks for, words expanded, destination made absolute. */
export interface CopySpec {
  /** The context directory, or the root filesystem of a stage or image (`--from`). */
  srcRoot: string;
  sources: string[];
  /** Absolute in the image; a trailing slash means "a directory". */
  dest: string;
  /** Files from the context are owned 0:0; files `--from` keep their owners. */
  fromContext: boolean;
  owner?: Owner;
  /** --chmod: octal, or symbolic (applied to each entry's source mode). */
  chmod?: ModeChange;
  excludes: string[];
  parents: boolean;
  /** .dockerignore for the context: paths it hides do not exist for COPY. */
  visible?: Visibility;
  /** Whether a hidden directory may still hold visible entries (`!` exceptions). */
  descendHidden?: (relativePath: string) => boolean;
  /** ADD: local tar archives (plain or compressed) are unpacked into the destination. */
  unpackArchives: boolean;
}

/** One matched source and the path it lands on. */
export interface CopyItem {
  /** The source path inside srcRoot, as matched. */
  source: string;
  /** The host path, symlinks (the last one too) followed inside srcRoot. */
  hostPath: string;
  stat: Stats;
  /** In the image: the file's own path, or the directory that receives the contents. */
  target: string;
  /** ADD: a local archive whose entries are unpacked into `target`. */
  archive: boolean;
}

/** Match every source and place it; a missing source is an error that names it. */
export async function planCopy(spec: CopySpec, destRoot: string): Promise<CopyItem[]> {
  const visible = spec.visible ?? (() => true);
  const matched: { path: string; pivot: string }[] = [];
  for (const source of spec.sources) {
    const paths = await expandSource(spec.srcRoot, source, visible);
    const pivot = pivotOf(source);
    for (const path of paths) {
      if (path !== '/' && !visible(path.slice(1))) continue;
      matched.push({ path, pivot });
    }
    if (paths.length === 1 && paths[0] === posix.normalize(`/${source}`)) {
      await requireSource(spec, source, paths[0], visible);
    }
  }
  // Only a trailing slash makes the destination a directory: BuildKit copies each
  // source on its own, so several files to `dest` (no slash) leave the last one there.
  const destDir = spec.dest.endsWith('/');
  let destIsExistingDir = await isDirectory(await resolveInRoot(destRoot, spec.dest));
  const items: CopyItem[] = [];
  for (const { path: source, pivot } of matched) {
    const hostPath = await resolveInRoot(spec.srcRoot, source);
    const info = await stat(hostPath);
    const archive = spec.unpackArchives && info.isFile() && (await isArchive(hostPath));
    const base = spec.parents ? posix.relative(pivot, source) : posix.basename(source);
    let target = posix.normalize(spec.dest);
    if (info.isDirectory() || archive) {
      if (spec.parents) target = posix.join(spec.dest, base);
      // The destination now is a directory: files after it go inside.
      else destIsExistingDir = true;
    } else if (destDir || destIsExistingDir) {
      target = posix.join(spec.dest, base);
    }
    items.push({ source, hostPath, stat: info, target, archive });
  }
  return items;
}

async function requireSource(spec: CopySpec, source: string, path: string, visible: Visibility) {
  const hidden = path !== '/' && !visible(path.slice(1));
  const found = await lstat(await resolveInRoot(spec.srcRoot, path)).catch(() => undefined);
  if (found && !hidden) return;
  const where = spec.fromContext ? 'the build context' : 'the source stage';
  const link = found || hidden || !spec.fromContext ? undefined : await linkOnPath(spec, path);
  if (link) {
    throw new InputError(
      'COPY_SOURCE_MISSING',
      `${source}: ${link.path} is a link to ${link.target}, which is not in the build context`,
      { hint: 'links are followed inside the context only: copy what it points to into it' },
    );
  }
  throw new InputError('COPY_SOURCE_MISSING', `${source}: not found in ${where}`, {
    hint: spec.fromContext
      ? `check that ${source} exists in the context and is not excluded by .dockerignore`
      : `check the path in the stage or image named by --from`,
  });
}

/** The first symbolic link on `path` (relative to the context), with where it points. */
async function linkOnPath(spec: CopySpec, path: string) {
  const parts = path.split('/').filter(Boolean);
  for (let i = 1; i <= parts.length; i++) {
    const relative = parts.slice(0, i).join('/');
    const info = await lstat(posix.join(spec.srcRoot, relative)).catch(() => undefined);
    if (!info) return undefined;
    if (info.isSymbolicLink()) {
      return { path: relative, target: await readlink(posix.join(spec.srcRoot, relative)) };
    }
  }
  return undefined;
}

/** `--parents`: the directory the kept path starts below; `/./` in a source marks it. */
export function pivotOf(source: string): string {
  const marked = `/${source}`;
  const at = marked.lastIndexOf('/./');
  return at >= 0 ? posix.normalize(marked.slice(0, at + 1)) : '/';
}

async function isDirectory(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
}
