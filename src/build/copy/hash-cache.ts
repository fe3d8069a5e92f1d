import type { Stats } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../../util/fs.js';

// Content digests of context files, remembered between builds by what stat
// says about them (device, inode, size, change and modification times), so a
// rebuild with an unchanged 200 MB context does not read it again. Any
// change to a file changes its ctime, which retires the entry.

const MAX_ENTRIES = 200_000;

/** File digests by stat identity, loaded from and saved to one JSON file. */
export class FileHashCache {
  private entries = new Map<string, string>();
  private dirty = false;

  constructor(private readonly path: string) {}

  async load(): Promise<void> {
    try {
      const saved = JSON.parse(await readFile(this.path, 'utf8')) as Record<string, string>;
      this.entries = new Map(Object.entries(saved));
    } catch {
      this.entries = new Map();
    }
  }

  get(stat: Stats): string | undefined {
    return this.entries.get(identity(stat));
  }

  set(stat: Stats, digest: string): void {
    this.entries.set(identity(stat), digest);
    this.dirty = true;
  }

  async save(): Promise<void> {
    if (!this.dirty) return;
    const kept = [...this.entries].slice(-MAX_ENTRIES);
    await writeFileAtomic(this.path, JSON.stringify(Object.fromEntries(kept)));
    this.dirty = false;
  }
}

function identity(stat: Stats): string {
  return `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeMs}:${stat.ctimeMs}`;
}
