import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { makeIgnoreMatcher, parseIgnoreFile } from '../dockerfile/ignore.js';
import { findIgnoreFile } from '../dockerfile/ignore-file.js';
import { parseDockerfile, type Stage } from '../dockerfile/index.js';
import { findStageRef, stagesNeededFor } from '../dockerfile/stages.js';
import { InputError, SlipwayError, UsageError } from '../errors/index.js';
import { hostPlatform, parsePlatform } from '../image/index.js';
import { openStore } from '../store/index.js';
import { statePaths } from '../util/paths.js';
import { BaseImages } from './base.js';
import { BuildCache } from './cache.js';
import { FileHashCache } from './copy/index.js';
import type { BuildEnv, StageResult } from './env.js';
import { exportImage } from './exports.js';
import type { BuildOptions, BuildResult } from './options.js';
import { storeImage } from './output.js';
import { preflight } from './preflight.js';
import { Progress } from './progress.js';
import { RegistryAccess } from './registry-access.js';
import { globalScope, platformArgs } from './scope.js';
import { buildStage } from './stage.js';
import { lastCreated } from './state.js';
import { Workspaces } from './workspace.js';

// The build executor's entry point: a Dockerfile and a context in, an image
// in the local store (and wherever the outputs send it) out.

export type {
  BuildOptions,
  BuildOutput,
  BuildResult,
  BuildSecret,
  NamedContext,
} from './options.js';

/** Build an image from a Dockerfile and a context directory. */
export async function buildImage(options: BuildOptions): Promise<BuildResult> {
  // TODO(#4): rootless builds (a user namespace for overlay mounts and chown).
  if (process.getuid?.() !== 0) {
    throw new SlipwayError(
      'ROOT_REQUIRED',
      'slipway build needs root: it mounts overlay snapshots and sets file owners',
      {
        hint: 'run it as root (sudo, or a root container); rootless builds are not supported yet',
      },
    );
  }
  const paths = statePaths(options.home);
  const progress = new Progress(options.emit);
  const contextDir = resolve(options.contextDir);
  // A bad -t or a missing context fails before any step runs, not after the build.
  await preflight(options, contextDir);
  const dockerfilePath = resolve(contextDir, options.dockerfile);
  const text = await progress.run(
    '[internal] load build definition from ' + basename(dockerfilePath),
    () => readDockerfile(dockerfilePath),
  );
  const parsed = parseDockerfile(text, { file: options.dockerfile });
  const ignore = findIgnoreFile(contextDir, dockerfilePath);
  const matcher = makeIgnoreMatcher(ignore ? parseIgnoreFile(ignore.text, ignore.path) : []);
  if ((options.platforms?.length ?? 0) > 1) {
    throw new UsageError('building for more than one platform at once is not supported', {
      hint: 'run one build per --platform',
    });
  }
  const platform = options.platforms?.[0] ? parsePlatform(options.platforms[0]) : hostPlatform();

  const store = await openStore(paths.store);
  await mkdir(paths.cache, { recursive: true });
  const tempDir = await mkdtemp(join(paths.cache, 'tmp-'));
  try {
    const registries = await RegistryAccess.open({
      settingsFile: paths.registriesConfig,
      insecureRegistries: options.insecureRegistries,
      credentials: options.credentials,
      emit: options.emit,
    });
    const builtinArgs = platformArgs(platform);
    const hashes = new FileHashCache(join(paths.cache, 'file-hashes.json'));
    await hashes.load();
    const stop = new AbortController();
    options.signal?.addEventListener('abort', () => stop.abort(options.signal?.reason));
    const stageResults = new Map<number, Promise<StageResult>>();
    const env: BuildEnv = {
      options,
      parsed,
      dockerfileName: options.dockerfile,
      contextDir,
      visible: (path) => !matcher(path, false),
      descendHidden: (path) => matcher.mayReincludeUnder(path),
      store,
      cache: new BuildCache(paths.cache, store),
      progress,
      workspaces: await Workspaces.open(store, paths.snapshots, options.emit),
      images: new BaseImages(
        store,
        (ref) => Promise.resolve(registries.pull(ref)),
        platform,
        options.pull ?? false,
      ),
      platform,
      created: new Date((options.sourceDateEpoch ?? Date.now() / 1000) * 1000).toISOString(),
      globalArgs: globalScope(
        parsed.globalArgs.flatMap((a) => a.args),
        options.buildArgs,
        builtinArgs,
      ),
      builtinArgs,
      tempDir,
      cacheMountsDir: join(paths.cache, 'mounts'),
      signal: stop.signal,
      hashes,
      stageResult: (stage: Stage) => {
        let result = stageResults.get(stage.index);
        if (!result) {
          result = buildStage(env, stage);
          stageResults.set(stage.index, result);
        }
        return result;
      },
      findStage: (name, before) => findStageRef(parsed.stages, name, before),
    };
    await mkdir(env.cacheMountsDir, { recursive: true });

    const needed = stagesNeededFor(parsed, options.target);
    const target = parsed.stages[needed[needed.length - 1] as number] as Stage;
    // Independent stages build at the same time; each waits for what it uses.
    const all = needed.map((i: number) => env.stageResult(parsed.stages[i] as Stage));
    try {
      await Promise.all(all);
    } catch (error) {
      // Stop the stages still running, and let them finish before cleaning up.
      stop.abort();
      await Promise.allSettled(all);
      throw error;
    } finally {
      await hashes.save();
    }
    const result = await env.stageResult(target);

    const state = withLabels(result.state, options.labels);
    await env.images.ensureBlobs(state);
    const image = await progress.run('exporting to image', () =>
      storeImage(store, state, imageTime(env, state)),
    );
    const outputs = options.outputs ?? [];
    const wantsPush = options.push || outputs.some((o) => o.type === 'registry');
    const context = { store, image, tags: options.tags, registries, progress, tempDir };
    let references: string[] = [];
    await exportImage({ type: 'store' }, context);
    if (wantsPush) references = await exportImage({ type: 'registry' }, context);
    for (const output of outputs) {
      if (output.type !== 'registry' && output.type !== 'store') await exportImage(output, context);
    }
    return {
      digest: image.manifestDigest,
      configDigest: image.configDigest,
      references: wantsPush ? references : options.tags,
      descriptor: image.descriptor,
    };
  } finally {
    await rm(tempDir, { recursive: true, force: true });
  }
}

/** `--label`: labels set on the final image, with no history entry. */
function withLabels(state: StageResult['state'], labels: Record<string, string> | undefined) {
  if (!labels || Object.keys(labels).length === 0) return state;
  const config = structuredClone(state.config);
  config.config = { ...config.config, Labels: { ...config.config?.Labels, ...labels } };
  return { ...state, config };
}

/** The image's created time: SOURCE_DATE_EPOCH, else that of its newest history entry. */
function imageTime(env: BuildEnv, state: StageResult['state']): string {
  if (env.options.sourceDateEpoch !== undefined) return env.created;
  return lastCreated(state) ?? env.created;
}

const READ_ERRORS: Record<string, string> = {
  EISDIR: 'it is a directory',
  ENOENT: 'no such file',
  EACCES: 'permission denied',
};

/** The Dockerfile's text; a directory, a missing file or UTF-16 text is an input error. */
async function readDockerfile(path: string): Promise<string> {
  const bytes = await readFile(path).catch((error: NodeJS.ErrnoException) => {
    const why = READ_ERRORS[error.code ?? ''] ?? error.message;
    throw new InputError('DOCKERFILE_MISSING', `cannot read Dockerfile ${path}: ${why}`, {
      hint: 'pass the Dockerfile with -f, relative to the context or absolute',
    });
  });
  const bom = bytes.subarray(0, 2).toString('hex');
  if (bom === 'fffe' || bom === 'feff') {
    throw new InputError('DOCKERFILE_ENCODING', `Dockerfile ${path} is UTF-16 text`, {
      hint: 'save it as UTF-8, as docker build reads it',
    });
  }
  return bytes.toString('utf8');
}
