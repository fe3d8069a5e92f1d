import { expandWord, type Instruction, parseDockerfile, type Stage } from '../dockerfile/index.js';
import { InputError, messageOf, SlipwayError } from '../errors/index.js';
import {
  buildkitPlatform,
  formatPlatform,
  type Platform,
  parsePlatform,
  unknownPlatform,
} from '../image/index.js';
import { configPlatform, runsOn } from './base.js';
import { stepKey } from './cache-key.js';
import type { BuildEnv, StageResult } from './env.js';
import { withoutCredentials } from './fetch.js';
import { applyMetadata } from './metadata.js';
import type { ProgressStep } from './progress.js';
import { StageScope } from './scope.js';
import { commitStep, type ImageState, lastCreated, scratchState } from './state.js';
import { configChange } from './steps/config.js';
import { runCopy } from './steps/copy.js';
import { localBase } from './steps/local-base.js';
import { runRun } from './steps/run.js';
import { runWorkdir } from './steps/workdir.js';

// One stage: its base, then each instruction in order. Every step either
// finds its result in the cache by key or runs and stores it.

/** The mutable position of a stage while it builds. */
export interface StageRun {
  env: BuildEnv;
  stage: Stage;
  state: ImageState;
  key: string;
  scope: StageScope;
  flags: { cmdSet: boolean };
  /** The platform the stage's RUN steps execute for (FROM --platform, else the target). */
  platform: Platform;
  /** `[name k/n]`, the progress prefix of this stage's steps. */
  label(position: number): string;
}

/** Build a stage from its FROM to its last instruction. */
export async function buildStage(env: BuildEnv, stage: Stage): Promise<StageResult> {
  const shown = stage.instructions.filter(isVertex);
  const total = shown.length + 1;
  const single = env.parsed.stages.length === 1;
  const name = [env.platformLabel, single ? undefined : (stage.name ?? `stage-${stage.index}`)]
    .filter((part) => part !== undefined)
    .join(' ');
  const label = (position: number) =>
    name === '' ? `[${position}/${total}]` : `[${name} ${position}/${total}]`;
  const platform = stagePlatform(env, stage);
  if (replacedByContext(env, stage)) {
    // As buildx: a --build-context named like a stage replaces it, instructions and all.
    const from = { ...stage.from, image: stage.name as string };
    const base = await resolveBase(env, { ...stage, from }, `[${stage.name}]`, platform, false);
    return { state: base.state, key: base.key, stage, args: new Map() };
  }
  const base = await resolveBase(env, stage, label(1), platform);
  const scope = new StageScope(env.globalArgs, env.options.buildArgs, env.builtinArgs, base.args);
  const flags = { cmdSet: false };
  const run: StageRun = { env, stage, ...base, scope, flags, platform, label };

  const triggers = base.state.config.config?.OnBuild ?? [];
  if (triggers.length > 0) {
    const config = structuredClone(run.state.config);
    if (config.config) config.config.OnBuild = null;
    run.state = { ...run.state, config };
    run.key = stepKey(run.key, 'ONBUILD-CLEAR');
    for (const trigger of onbuildInstructions(env, stage, triggers)) {
      const title = isVertex(trigger) ? `${label(1)} ONBUILD ${trigger.original}` : undefined;
      await dispatch(run, trigger, title);
    }
  }
  for (const instruction of stage.instructions) {
    const position = shown.indexOf(instruction);
    const text =
      instruction.kind === 'ADD' ? withoutCredentials(instruction.original) : instruction.original;
    const title = position < 0 ? undefined : `${label(position + 2)} ${text}`;
    await dispatch(run, instruction, title);
  }
  return { state: run.state, key: run.key, stage, args: scope.args };
}

/** The platform FROM --platform names (expanded with the global ARGs), else the target's. */
export function stagePlatform(env: BuildEnv, stage: Stage): Platform {
  const word = stage.from.platform;
  if (word === undefined) return env.platform;
  const text = expandWord(word, (key) => env.globalArgs.get(key));
  const { file, line, column } = stage.from.location;
  let platform: Platform;
  try {
    platform = parsePlatform(text);
  } catch (error) {
    throw new InputError('INVALID_PLATFORM', `FROM --platform=${word}: ${messageOf(error)}`, {
      location: { file, line, column },
      hint: 'give os/arch[/variant], e.g. --platform=$BUILDPLATFORM or linux/arm64',
    });
  }
  const unknown = unknownPlatform(platform);
  if (!unknown) return platform;
  const shown = text === word ? word : `${word} (${text})`;
  throw new InputError('INVALID_PLATFORM', `FROM --platform=${shown}: ${unknown.message}`, {
    location: { file, line, column },
    hint: unknown.hint,
  });
}

/** Whether a `--build-context` has this stage's name, and so takes its place. */
export function replacedByContext(env: BuildEnv, stage: Stage): boolean {
  return stage.name !== undefined && env.options.buildContexts?.[stage.name] !== undefined;
}

async function resolveBase(
  env: BuildEnv,
  stage: Stage,
  label: string,
  platform: Platform,
  stages = true,
) {
  const lookup = (key: string) => env.globalArgs.get(key);
  const image = expandWord(stage.from.image, lookup);
  const step = env.progress.step(`${label} FROM ${image}`);
  const earlier = stages ? env.findStage(image, stage.index) : undefined;
  if (earlier) {
    const result = await env.stageResult(earlier);
    step.done();
    // BuildKit's state carries the stage's ARG values on into the stages built on it.
    return { state: result.state, key: result.key, args: result.args };
  }
  if (image === 'scratch') {
    step.done();
    const state = scratchState(buildkitPlatform(platform));
    return { state, key: stepKey(null, 'FROM', 'scratch', state.config.architecture) };
  }
  const { file, line, column } = stage.from.location;
  try {
    if (image === '') {
      throw new InputError('BLANK_BASE', `base name (${stage.from.image}) should not be blank`, {
        hint: 'give the ARG a default before FROM, or pass --build-arg NAME=IMAGE',
      });
    }
    const named = env.options.buildContexts?.[image];
    if (named?.kind === 'dir') {
      // A directory is the stage's files on an empty config: no platform to warn about.
      const local = await localBase(env, image, named.path, platform);
      if (local.cached) step.cached();
      else step.done();
      return { state: local.state, key: local.key };
    }
    const base = await env.images.resolveNamed(image, named, platform);
    const pulled = base.state.config;
    if (!runsOn(pulled, platform)) {
      // BuildKit's InvalidBaseImagePlatform warning: the RUN steps may not run at all.
      const actual = formatPlatform({ ...configPlatform(pulled), variant: undefined });
      const expected = formatPlatform({ ...platform, variant: undefined });
      step.output(
        `WARNING: InvalidBaseImagePlatform: base image ${image} was pulled with platform ` +
          `"${actual}", expected "${expected}" for current build (line ${line})`,
        'stderr',
      );
    }
    step.done();
    return { state: base.state, key: base.key };
  } catch (error) {
    step.failed(error instanceof Error ? error.message : String(error));
    if (error instanceof SlipwayError && !error.location) {
      Object.assign(error, { location: { file, line, column } });
    }
    throw error;
  }
}

function onbuildInstructions(env: BuildEnv, stage: Stage, triggers: string[]): Instruction[] {
  const text = `FROM scratch\n${triggers.join('\n')}\n`;
  const parsed = parseDockerfile(text, {
    file: `${env.dockerfileName} (ONBUILD of stage ${stage.index})`,
  });
  // A trigger has no line of its own in this Dockerfile: its errors point at the FROM.
  const location = stage.from.location;
  return (parsed.stages[0]?.instructions ?? []).map((i) => ({ ...i, location }));
}

/** Whether an instruction shows as a step of its own (BuildKit shows no metadata steps). */
function isVertex(instruction: Instruction): boolean {
  return ['RUN', 'COPY', 'ADD', 'WORKDIR'].includes(instruction.kind);
}

async function dispatch(run: StageRun, instruction: Instruction, title: string | undefined) {
  // An interrupted build starts no further step.
  run.env.signal.throwIfAborted();
  const step = title === undefined ? run.env.progress.silentStep() : run.env.progress.step(title);
  try {
    await dispatchStep(run, instruction, step);
    step.done();
  } catch (error) {
    step.failed(error instanceof Error ? error.message : String(error));
    if (error instanceof SlipwayError && !error.location) {
      const { file, line, column } = instruction.location;
      Object.assign(error, { location: { file, line, column } });
    }
    throw error;
  }
}

async function dispatchStep(run: StageRun, instruction: Instruction, step: ProgressStep) {
  switch (instruction.kind) {
    case 'RUN':
      return runRun(run, instruction, step);
    case 'COPY':
    case 'ADD':
      return runCopy(run, instruction, step);
    case 'WORKDIR':
      return runWorkdir(run, instruction, step);
    case 'ARG': {
      const env = run.state.config.config?.Env ?? [];
      const words = run.scope.declare(instruction.args, env);
      run.key = stepKey(
        run.key,
        'ARG',
        [...run.scope.args].map(([k, v]) => [k, v ?? null]),
      );
      run.state = commitStep(run.state, `ARG ${words.join(' ')}`, metadataTime(run));
      return;
    }
    default: {
      const change = configChange(run, instruction);
      const applied = applyMetadata(run.state.config.config ?? {}, change, run.flags);
      const config = { ...structuredClone(run.state.config), config: applied.config };
      if (applied.author !== undefined) config.author = applied.author;
      run.key = stepKey(run.key, 'CONFIG', JSON.parse(JSON.stringify(change)));
      run.state = commitStep({ ...run.state, config }, applied.createdBy, metadataTime(run));
    }
  }
}

/**
 * The time a metadata step records: SOURCE_DATE_EPOCH when set, else the time
 * of the step before it, so a rebuild whose steps all hit makes the same image.
 */
function metadataTime(run: StageRun): string {
  if (run.env.options.sourceDateEpoch !== undefined) return run.env.created;
  return lastCreated(run.state) ?? run.env.created;
}
