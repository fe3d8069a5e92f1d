import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeIgnoreMatcher, parseIgnoreFile } from '../../dockerfile/index.js';
import { buildkitPlatform, formatPlatform, type Platform } from '../../image/index.js';
import { stepKey } from '../cache-key.js';
import { type CopySpec, digestCopy, executeCopy, planCopy } from '../copy/index.js';
import type { BuildEnv } from '../env.js';
import { type ImageState, scratchState } from '../state.js';
import { cachedStep, commitWorkspace } from './commit.js';

// FROM a named context that is a directory (--build-context NAME=DIR, or a
// repository or URL fetched into one). As BuildKit's Dockerfile front end
// loads it (llb.Local), the stage's root filesystem is the directory's files,
// less what the directory's own .dockerignore hides, owned 0:0 (buildx sends
// local files with uid and gid reset) with their modes and times; the config
// is the empty image's, as for scratch. The files are one layer, keyed by
// their content.

/** The comment BuildKit's exporter gives a layer that no Dockerfile step made. */
const EXPORTER_COMMENT = 'buildkit.exporter.image.v0';

/** A stage base made of a directory's files, and whether the cache had it. */
export interface LocalBase {
  state: ImageState;
  key: string;
  cached: boolean;
}

/** The state and key of FROM NAME where NAME is the directory `dir`. */
export async function localBase(
  env: BuildEnv,
  name: string,
  dir: string,
  platform: Platform,
): Promise<LocalBase> {
  const spec: CopySpec = {
    srcRoot: dir,
    sources: ['.'],
    dest: '/',
    fromContext: true,
    excludes: [],
    parents: false,
    unpackArchives: false,
    ...(await dirVisibility(dir)),
  };
  const empty = scratchState(buildkitPlatform(platform));
  const content = await digestCopy(await planCopy(spec, env.tempDir), spec, env.hashes);
  const key = stepKey(null, 'FROM', 'local', formatPlatform(buildkitPlatform(platform)), content);
  const run = { env, state: empty, key };
  if (await cachedStep(run, key)) return { state: run.state, key, cached: true };

  const workspace = await env.workspaces.open(empty);
  try {
    await executeCopy(await planCopy(spec, workspace.root), spec, workspace.root);
    const createdBy = `local source for ${name}`;
    const state = await commitWorkspace(run, workspace, key, createdBy, true, EXPORTER_COMMENT);
    return { state, key, cached: false };
  } finally {
    await workspace.release();
  }
}

/** What a named context directory's own .dockerignore hides, as COPY reads it. */
export async function dirVisibility(
  dir: string,
): Promise<Pick<CopySpec, 'visible' | 'descendHidden'>> {
  const path = join(dir, '.dockerignore');
  const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' || error.code === 'EISDIR') return undefined;
    throw error;
  });
  if (text === undefined) return {};
  const matcher = makeIgnoreMatcher(parseIgnoreFile(text, path), path);
  return {
    visible: (relative) => !matcher(relative, false),
    descendHidden: (relative) => matcher.mayReincludeUnder(relative),
  };
}
