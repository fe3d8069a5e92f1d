import { lstatSync, readdirSync, type Stats } from 'node:fs';
import { posix } from 'node:path';
import { excludeMatcher } from './glob.js';
import type { CopyItem, CopySpec } from './plan.js';

// Every file a planned copy touches, in a fixed order: a directory before its
// entries, entries by name. The same walk feeds the cache key and the copy.

/** One file, directory or link to copy. */
export interface CopyEntry {
  /** The source on the host; for the top of an item, its followed path. */
  hostPath: string;
  /** lstat of the source (stat for the top of an item: a named symlink is followed). */
  stat: Stats;
  /** Where it lands, absolute in the image. */
  target: string;
  /** 0 for the item itself, 1 for its entries, and so on. */
  depth: number;
  archive: boolean;
}

/** Walk the items of a copy, leaving out what `--exclude` and .dockerignore hide. */
export async function* walkCopy(items: CopyItem[], spec: CopySpec): AsyncGenerator<CopyEntry> {
  const excluded = excludeMatcher(spec.excludes);
  for (const item of items) {
    if (!item.stat.isDirectory()) {
      if (spec.excludes.length > 0 && excluded(posix.basename(item.source))) continue;
      yield { ...item, depth: 0 };
      continue;
    }
    yield {
      hostPath: item.hostPath,
      stat: item.stat,
      target: item.target,
      depth: 0,
      archive: false,
    };
    yield* walkDirectory(item.hostPath, item.target, item.source, '', spec, excluded, 1);
  }
}

async function* walkDirectory(
  hostDir: string,
  targetDir: string,
  sourceDir: string,
  relative: string,
  spec: CopySpec,
  excluded: (path: string) => boolean,
  depth: number,
): AsyncGenerator<CopyEntry> {
  // Synchronous calls: contexts hold thousands of files, and a thread-pool
  // round trip per lstat costs more than the lstat.
  const names = readdirSync(hostDir).sort();
  for (const name of names) {
    const rel = relative === '' ? name : `${relative}/${name}`;
    const hostPath = `${hostDir}/${name}`;
    const stat = lstatSync(hostPath);
    const hiddenByIgnore = spec.visible
      ? !spec.visible(posix.join(sourceDir, rel).slice(1))
      : false;
    const hidden = hiddenByIgnore || (spec.excludes.length > 0 && excluded(rel));
    const target = posix.join(targetDir, name);
    if (!hidden) yield { hostPath, stat, target, depth, archive: false };
    if (
      stat.isDirectory() &&
      (!hidden || spec.descendHidden?.(posix.join(sourceDir, rel).slice(1)))
    ) {
      yield* walkDirectory(hostPath, target, sourceDir, rel, spec, excluded, depth + 1);
    }
  }
}
