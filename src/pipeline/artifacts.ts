import { createWriteStream } from 'node:fs';
import { lstat, mkdir } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline as streamPipeline } from 'node:stream/promises';
import * as tar from 'tar';
import { InputError, SlipwayError } from '../errors/index.js';
import { isWithin } from '../util/fs.js';

// Artifacts: the paths a build step lists, packed as one tar.gz per name in
// the run's artifact store; later steps unpack them into their workspace.

/** A path relative to `root` that stays inside it, or an error naming `what`. */
export function insideRoot(root: string, path: string, what: string): string {
  const full = resolve(root, path);
  if (!isWithin(root, full)) {
    throw new InputError('PATH_OUTSIDE', `${what} ${path} leaves the repository root`, {
      hint: 'paths are relative to the repository root and stay inside it',
    });
  }
  return relative(root, full) || '.';
}

/** Pack `paths` (relative to `workspace`) into `file` as tar.gz. */
export async function packArtifact(
  workspace: string,
  paths: readonly string[],
  file: string,
  name: string,
) {
  const entries: string[] = [];
  for (const path of paths) {
    const rel = insideRoot(workspace, path, `artifact ${name}: path`);
    await lstat(join(workspace, rel)).catch(() => {
      throw new SlipwayError(
        'ARTIFACT_MISSING',
        `artifact ${name}: ${path} does not exist after the commands`,
      );
    });
    entries.push(rel);
  }
  await mkdir(dirname(file), { recursive: true });
  await tar.c({ gzip: true, file, cwd: workspace, portable: true }, entries);
}

/** Unpack a tar(.gz) into `dir`; entries cannot land outside it. */
export async function unpackArtifact(file: string, dir: string): Promise<void> {
  await tar.x({ file, cwd: dir, strict: true, preservePaths: false });
}

/** Download an artifact given as a URL into `file`. */
export async function fetchArtifact(
  url: string,
  file: string,
  signal?: AbortSignal,
): Promise<void> {
  const response = await fetch(url, { signal });
  if (!response.ok || !response.body) {
    throw new SlipwayError(
      'ARTIFACT_FETCH',
      `fetching artifact ${url}: ${response.status} ${response.statusText}`,
    );
  }
  await mkdir(dirname(file), { recursive: true });
  await streamPipeline(Readable.fromWeb(response.body as never), createWriteStream(file));
}
