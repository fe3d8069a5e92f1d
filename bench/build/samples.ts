import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../lab/proc.js';

/** One Dockerfile the benchmark builds with every builder. */
export interface Sample {
  name: string;
  /** The folder with the Dockerfile (and the context, unless `generated`). */
  source: string;
  /** The context file the "one-file change" phase edits. */
  changedFile: string;
  /** Makes the context into a folder (for contexts too big to keep in git). */
  generate?: (dir: string) => void;
}

const dockerfiles = fileURLToPath(new URL('../../../bench/dockerfiles', import.meta.url));

/** 10,000 files, 200 MB in all, 100 folders of 100, sizes 1 KiB to 39 KiB. */
function bigContext(dir: string): void {
  for (let folder = 0; folder < 100; folder++) {
    const sub = join(dir, `d${String(folder).padStart(3, '0')}`);
    mkdirSync(sub, { recursive: true });
    for (let file = 0; file < 100; file++) {
      const size = 1024 + (((folder * 100 + file) * 7919) % (38 * 1024));
      writeFileSync(join(sub, `f${String(file).padStart(3, '0')}.bin`), randomBytes(size));
    }
  }
}

/** The four samples of issue 4's benchmark. */
export const SAMPLES: Sample[] = [
  { name: 'small-busybox', source: join(dockerfiles, 'small-busybox'), changedFile: 'config.txt' },
  {
    name: 'multi-debian',
    source: join(dockerfiles, 'multi-debian'),
    changedFile: 'src/input.txt',
  },
  {
    name: 'big-context',
    source: join(dockerfiles, 'big-context'),
    changedFile: 'd042/f042.bin',
    generate: bigContext,
  },
  { name: 'many-runs', source: join(dockerfiles, 'many-runs'), changedFile: 'input.txt' },
];

/** The sample's full context under CACHE/contexts (generated once), ready to copy. */
export function sampleContext(cache: string, sample: Sample): string {
  if (!sample.generate) return sample.source;
  const dir = join(cache, 'contexts', sample.name);
  if (!existsSync(join(dir, 'Dockerfile'))) {
    const partial = `${dir}.partial`;
    mkdirSync(partial, { recursive: true });
    sample.generate(partial);
    copyFileSync(join(sample.source, 'Dockerfile'), join(partial, 'Dockerfile'));
    renameSync(partial, dir);
  }
  return dir;
}

/** A fresh copy of a sample's context (hardlinked where big: the change replaces a file). */
export async function copyContext(from: string, to: string): Promise<void> {
  await run('rm', ['-rf', to]);
  await run('cp', ['-al', from, to]);
}

/** The one-file change: a new file in place of the old (never writing through a hardlink). */
export function changeOneFile(context: string, sample: Sample, stamp: string): void {
  const path = join(context, sample.changedFile);
  const replacement = `${path}.new`;
  copyFileSync(path, replacement);
  writeFileSync(replacement, `\n# bench change ${stamp}\n`, { flag: 'a' });
  renameSync(replacement, path);
}
