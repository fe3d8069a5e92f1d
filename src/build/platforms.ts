import type { Stage } from '../dockerfile/index.js';
import { stagesNeededFor } from '../dockerfile/stages.js';
import { SlipwayError, UsageError } from '../errors/index.js';
import {
  formatPlatform,
  hostPlatform,
  type Platform,
  parsePlatform,
  unknownPlatform,
} from '../image/index.js';
import { BaseImages } from './base.js';
import type { BuildEnv, StageResult } from './env.js';
import type { BuildOptions } from './options.js';
import { type StoredImage, storeImage } from './output.js';
import type { RegistryAccess } from './registry-access.js';
import { globalScope, platformArgs } from './scope.js';
import { buildStage, replacedByContext, stagePlatform } from './stage.js';
import { lastCreated } from './state.js';
import { requireEmulator } from './steps/emulation.js';

// One build per target platform (`--platform linux/amd64,linux/arm64`): each
// has its own base images (chosen from their indexes for that platform),
// TARGET* ARGs and stage results, and shares the store, cache, snapshots and
// progress of the build. Each platform's stages go through the same stage
// scheduler (`stageResult`), and all platforms build at the same time.

/** What every platform of a build shares: the env without its platform parts. */
export type SharedEnv = Omit<
  BuildEnv,
  'platform' | 'platformLabel' | 'images' | 'globalArgs' | 'builtinArgs' | 'stageResult'
>;

/** The image made for one platform. */
export interface PlatformImage {
  platform: Platform;
  image: StoredImage;
}

/** The platforms `--platform` names (comma-separated, repeated); this machine's by default. */
export function targetPlatforms(values: string[] | undefined): Platform[] {
  const texts = (values ?? []).flatMap((v) => v.split(',')).filter((t) => t.trim() !== '');
  const platforms = new Map<string, Platform>();
  for (const text of texts) {
    // buildx's `local` is the platform of this machine.
    const platform = text.trim() === 'local' ? hostPlatform() : parsePlatform(text);
    const unknown = unknownPlatform(platform);
    if (unknown) {
      throw new UsageError(`--platform ${text.trim()}: ${unknown.message}`, { hint: unknown.hint });
    }
    if (platform.os !== 'linux') {
      // buildx: the builder does not support the OS; here, before any step or pull.
      throw new UsageError(
        `--platform ${text.trim()}: operating system ${platform.os} is not supported: ` +
          'slipway builds Linux images only',
        { hint: `build for Linux, e.g. --platform linux/${platform.architecture}` },
      );
    }
    platforms.set(formatPlatform(platform), platform);
  }
  return platforms.size > 0 ? [...platforms.values()] : [hostPlatform()];
}

/** A docker-archive holds one image: several platforms cannot go there (as in buildx). */
export function checkOutputs(options: BuildOptions, platforms: Platform[]): void {
  if (platforms.length < 2) return;
  if ((options.outputs ?? []).some((output) => output.type === 'docker')) {
    throw new UsageError(
      `--output type=docker cannot hold ${platforms.length} platforms: a docker archive ` +
        'holds one image, not an index',
      { hint: 'use --output type=oci for an index, or build one --platform per docker archive' },
    );
  }
}

/** The env of one platform's build. */
export function platformEnv(
  shared: SharedEnv,
  registries: RegistryAccess,
  platform: Platform,
  label: string | undefined,
): BuildEnv {
  const { options, parsed } = shared;
  const builtinArgs = platformArgs(platform);
  const open = (ref: Parameters<RegistryAccess['pull']>[0]) =>
    Promise.resolve(registries.pull(ref));
  const stageResults = new Map<number, Promise<StageResult>>();
  const env: BuildEnv = {
    ...shared,
    platform,
    platformLabel: label,
    images: new BaseImages(shared.store, open, platform, options.pull ?? false, shared.baseFetches),
    globalArgs: globalScope(
      parsed.globalArgs.flatMap((a) => a.args),
      options.buildArgs,
      builtinArgs,
    ),
    builtinArgs,
    stageResult: (stage: Stage) => {
      let result = stageResults.get(stage.index);
      if (!result) {
        result = buildStage(env, stage);
        stageResults.set(stage.index, result);
      }
      return result;
    },
  };
  return env;
}

/** The stages the target needs; one a --build-context replaces needs nothing itself. */
function neededStages(env: BuildEnv): number[] {
  const replaced = (stage: Stage) => replacedByContext(env, stage);
  return stagesNeededFor(env.parsed, env.options.target, undefined, replaced);
}

/** Fail before any step when a RUN of a needed stage cannot execute on this machine. */
export async function checkEmulators(env: BuildEnv, binfmt?: string): Promise<void> {
  for (const index of neededStages(env)) {
    const stage = env.parsed.stages[index] as Stage;
    if (replacedByContext(env, stage)) continue;
    const first = stage.instructions.find((instruction) => instruction.kind === 'RUN');
    if (!first) continue;
    try {
      await requireEmulator(stagePlatform(env, stage), binfmt);
    } catch (error) {
      if (error instanceof SlipwayError && !error.location) {
        const { file, line, column } = first.location;
        Object.assign(error, { location: { file, line, column } });
      }
      throw error;
    }
  }
}

/** Build the stages the target needs for the env's platform, and store the image. */
export async function buildPlatform(env: BuildEnv, stop: AbortController): Promise<PlatformImage> {
  const { parsed } = env;
  const needed = neededStages(env);
  const target = parsed.stages[needed[needed.length - 1] as number] as Stage;
  // Independent stages build at the same time; each waits for what it uses.
  const all = needed.map((i: number) => env.stageResult(parsed.stages[i] as Stage));
  try {
    await Promise.all(all);
  } catch (error) {
    // Stop the stages still running (of every platform), and let them finish.
    stop.abort();
    await Promise.allSettled(all);
    throw error;
  }
  const result = await env.stageResult(target);
  const state = withLabels(result.state, env.options.labels);
  await env.images.ensureBlobs(state);
  const title = `exporting to image${env.platformLabel ? ` for ${env.platformLabel}` : ''}`;
  const image = await env.progress.run(title, () =>
    storeImage(env.store, state, imageTime(env, state)),
  );
  return { platform: env.platform, image };
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
