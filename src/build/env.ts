import type { ParsedDockerfile, Stage } from '../dockerfile/index.js';
import type { Platform } from '../image/index.js';
import type { OciStore } from '../store/index.js';
import type { BaseImages } from './base.js';
import type { BuildCache } from './cache.js';
import type { FileHashCache } from './copy/index.js';
import type { BuildOptions } from './options.js';
import type { Progress } from './progress.js';
import type { ImageState } from './state.js';
import type { Workspaces } from './workspace.js';

// What every step of one build shares: options, store, cache, progress, the
// base image resolver and the results of the stages as they finish.

/** A finished stage: its image and the cache key that names it. */
export interface StageResult {
  state: ImageState;
  key: string;
  stage: Stage;
  /** The stage's ARGs at its end: a stage built FROM it starts with them. */
  args: ReadonlyMap<string, string | undefined>;
}

/** The shared state of one build. */
export interface BuildEnv {
  options: BuildOptions;
  parsed: ParsedDockerfile;
  /** The Dockerfile's name as errors show it. */
  dockerfileName: string;
  contextDir: string;
  /** .dockerignore: whether a context path (no leading slash) is visible. */
  visible: (path: string) => boolean;
  /** Whether a hidden context directory may still hold visible entries. */
  descendHidden: (path: string) => boolean;
  /** Whether .dockerignore hides anything at all (a bind mount of the context then filters). */
  ignoresAny: boolean;
  store: OciStore;
  cache: BuildCache;
  progress: Progress;
  workspaces: Workspaces;
  images: BaseImages;
  /** The platform this build makes an image for (TARGETPLATFORM). */
  platform: Platform;
  /** `linux/arm64` in progress labels when a build makes more than one platform. */
  platformLabel?: string;
  /** `created` for every step this build runs (SOURCE_DATE_EPOCH or now). */
  created: string;
  globalArgs: ReadonlyMap<string, string | undefined>;
  builtinArgs: Record<string, string>;
  /** Directory for this build's temporary files (secrets, downloads). */
  tempDir: string;
  /** Content digests of context files, kept between builds. */
  hashes: FileHashCache;
  /** Aborted when the build is cancelled or a stage failed. */
  signal: AbortSignal;
  /** Base image blobs being fetched, by digest, shared by every platform of the build. */
  baseFetches: Map<string, Promise<void>>;
  /** The cache mount directory root. */
  cacheMountsDir: string;
  /** A stage's result, building it (once) if it has not been built. */
  stageResult(stage: Stage): Promise<StageResult>;
  /** The stage a name or index refers to, if any, that comes before `before`. */
  findStage(name: string, before: number): Stage | undefined;
}
