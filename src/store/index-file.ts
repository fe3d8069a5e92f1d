import { randomBytes } from 'node:crypto';
import { open, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { InputError } from '../errors/index.js';
import type { Descriptor } from '../image/descriptor.js';
import { OCI_INDEX } from '../image/media-types.js';
import { withFileLock } from './lock.js';

// index.json of an OCI image layout: the list of named (tagged) manifests.
// Every change is a read-modify-write under a lock file, written atomically.

/** The shape of index.json. */
export interface LayoutIndex {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

/** An empty index, as a new layout starts. */
export function emptyIndex(): LayoutIndex {
  return { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [] };
}

/** Read index.json; a missing file reads as empty. */
export async function readIndex(path: string): Promise<LayoutIndex> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyIndex();
    throw error;
  }
  try {
    const index = JSON.parse(text) as LayoutIndex;
    if (!Array.isArray(index.manifests)) throw new Error('"manifests" is not a list');
    return index;
  } catch (error) {
    throw new InputError('MALFORMED_LAYOUT', `${path}: ${(error as Error).message}`, {
      hint: 'the OCI layout index is damaged; restore it or remove the layout',
    });
  }
}

/** Change index.json under its lock; `change` edits the index in place. */
export async function updateIndex(
  path: string,
  change: (index: LayoutIndex) => void,
): Promise<LayoutIndex> {
  return withFileLock(`${path}.lock`, async () => {
    const index = await readIndex(path);
    change(index);
    await writeDurably(path, `${JSON.stringify(index)}\n`);
    return index;
  });
}

/** Write a file through a flushed temp file and a rename. */
export async function writeDurably(path: string, content: string): Promise<void> {
  const temp = join(dirname(path), `.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(temp, 'wx', 0o644);
    try {
      await handle.writeFile(content);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
