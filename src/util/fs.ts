import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative } from 'node:path';

/** Whether `path` is `root` itself or below it (a check on the text: links are not followed). */
export function isWithin(root: string, path: string): boolean {
  const rest = relative(root, path);
  return !rest.startsWith('..') && !isAbsolute(rest);
}

/** A name beside `path` that no other writer will pick. */
export function tempSibling(path: string): string {
  const unique = `${process.pid}.${randomBytes(6).toString('hex')}`;
  return join(dirname(path), `.tmp-${unique}-${path.split('/').pop()}`);
}

/** Write a whole file so that readers see the old content or the new, never a part. */
export async function writeFileAtomic(path: string, content: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = tempSibling(path);
  try {
    await writeFile(temp, content);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
