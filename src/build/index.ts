import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { findStageRef } from '../dockerfile/stages.js';
import { type Descriptor, parseManifest, platformName } from '../image/index.js';
import { type OciStore, openStore } from '../store/index.js';
import { statePaths } from '../util/paths.js';
import { BuildCache } from './cache.js';
import { loadInputs } from './context.js';
import { FileHashCache } from './copy/index.js';
import { exportImage } from './exports.js';
import type { BuildOptions, BuildResult } from './options.js';
import { storeIndex } from './output.js';
import {
  buildPlatform,
  checkEmulators,
  checkOutputs,
  type PlatformImage,
  platformEnv,
  type SharedEnv,
  targetPlatforms,
} from './platforms.js';
import { preflight } from './preflight.js';
import { Progress } from './progress.js';
import { RegistryAccess } from './registry-access.js';
import { checkBuildPrivileges } from './rootless.js';
import { Workspaces } from './workspace.js';

// The build executor's entry point: a Dockerfile and a context in, an image
// in the local store (and wherever the outputs send it) out.

export type {
  BuildOptions,
  BuildOutput,
  BuildResult,
  BuildSecret,
  NamedContext,
  RemoteContext,
} from './options.js';
export { parseRemoteContext } from './remote-context.js';

/** Build an image from a Dockerfile and a context directory. */
export async function buildImage(options: BuildOptions): Promise<BuildResult> {
  await checkBuildPrivileges(options.emit);
  const paths = statePaths(options.home);
  const progress = new Progress(options.emit);
  // Bad flags (-t, --platform, missing input files) fail before any step runs.
  await preflight(options);
  const platforms = targetPlatforms(options.platforms);
  checkOutputs(options, platforms);

  const store = await openStore(paths.store);
  await mkdir(paths.cache, { recursive: true });
  const tempDir = await mkdtemp(join(paths.cache, 'tmp-'));
  try {
    const inputs = await loadInputs(options, tempDir, progress);
    const { contextDir, parsed, matcher } = inputs;
    const registries = await RegistryAccess.open({
      settingsFile: paths.registriesConfig,
      insecureRegistries: options.insecureRegistries,
      credentials: options.credentials,
      emit: options.emit,
    });
    const hashes = new FileHashCache(join(paths.cache, 'file-hashes.json'));
    await hashes.load();
    const stop = new AbortController();
    options.signal?.addEventListener('abort', () => stop.abort(options.signal?.reason));
    const shared: SharedEnv = {
      options: { ...options, buildContexts: inputs.buildContexts },
      parsed,
      dockerfileName: options.dockerfile,
      contextDir,
      visible: (path) => !matcher(path, false),
      descendHidden: (path) => matcher.mayReincludeUnder(path),
      ignoresAny: matcher.patterns.length > 0,
      store,
      cache: new BuildCache(paths.cache, store),
      progress,
      workspaces: await Workspaces.open(store, paths.snapshots, options.emit),
      created: new Date((options.sourceDateEpoch ?? Date.now() / 1000) * 1000).toISOString(),
      tempDir,
      cacheMountsDir: join(paths.cache, 'mounts'),
      signal: stop.signal,
      baseFetches: new Map(),
      hashes,
      findStage: (name, before) => findStageRef(parsed.stages, name, before),
    };
    await mkdir(shared.cacheMountsDir, { recursive: true });
    const several = platforms.length > 1;
    const envs = platforms.map((platform) =>
      platformEnv(shared, registries, platform, several ? platformName(platform) : undefined),
    );
    for (const env of envs) await checkEmulators(env);

    const builds = envs.map((env) => buildPlatform(env, stop));
    let images: PlatformImage[];
    try {
      images = await Promise.all(builds);
    } catch (error) {
      await Promise.allSettled(builds);
      throw error;
    } finally {
      await hashes.save();
    }
    const root = several
      ? await progress.run('exporting manifest list', () => storeIndex(store, images))
      : (images[0] as PlatformImage).image.descriptor;
    const outputs = options.outputs ?? [];
    const push =
      outputs.find((o) => o.type === 'registry') ??
      (options.push ? ({ type: 'registry' } as const) : undefined);
    const { tags, stdout } = options;
    const context = {
      ...{ store, root, images, tags, registries, progress, tempDir, stdout },
      sendable: new Map(),
      signal: stop.signal,
    };
    await exportImage({ type: 'store' }, context);
    const pushed = push ? await exportImage(push, context) : undefined;
    let sent = pushed?.root;
    for (const output of outputs) {
      if (output.type === 'registry' || output.type === 'store') continue;
      const exported = await exportImage(output, context);
      sent ??= exported.root;
    }
    // What left the store names the compressed layers: its digests are the ones to report.
    const result = sent ?? root;
    return {
      digest: result.digest,
      configDigest: several ? result.digest : (images[0] as PlatformImage).image.configDigest,
      references: pushed ? pushed.references : options.tags,
      descriptor: result,
      ...(several ? { manifests: await listedManifests(store, result) } : {}),
    };
  } finally {
    await rm(tempDir, { recursive: true, force: true });
  }
}

/** The manifests an index in the store lists. */
async function listedManifests(store: OciStore, index: Descriptor): Promise<Descriptor[]> {
  const raw = await store.fetchManifest(index.digest);
  const parsed = parseManifest(raw.bytes, raw.mediaType);
  return parsed.kind === 'index' ? parsed.manifest.manifests : [];
}
