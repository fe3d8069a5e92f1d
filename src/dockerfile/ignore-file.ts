// Choosing the ignore file of a build: `<Dockerfile>.dockerignore` beside the
// Dockerfile wins over the context's `.dockerignore`. The only file reads of the module.
import { readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

/** The ignore file in effect, its text, or undefined when there is none. */
export interface IgnoreFile {
  path: string;
  text: string;
}

function tryRead(path: string): IgnoreFile | undefined {
  try {
    return { path, text: readFileSync(path, 'utf8') };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return undefined;
    throw error;
  }
}

/** Finds and reads the ignore file for a build of `dockerfilePath` in `contextDir`. */
export function findIgnoreFile(contextDir: string, dockerfilePath: string): IgnoreFile | undefined {
  const dockerfile = resolve(contextDir, dockerfilePath);
  const specific = join(dirname(dockerfile), `${basename(dockerfile)}.dockerignore`);
  return tryRead(specific) ?? tryRead(join(contextDir, '.dockerignore'));
}
