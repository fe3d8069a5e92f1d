import { InputError } from '../errors/index.js';
import {
  expandWord,
  type Instruction,
  parseDockerfile,
  type Stage,
} from '../dockerfile/index.js';
import { stepKey } from './cache-key.js';
import type { BuildEnv, StageResult } from './env.js';
import { configChange } from './steps/config.js';
import { runCopy } from './steps/copy.js';
import { runRun } from './steps/run.js';
import { runWorkdir } from './steps/workdir.js';
import { StageScope } from './scope.js';
import { applyMetadata } from './metadata.js';
import { commitStep, type ImageState, scratchState } from './state.js';
import type { ProgressStep } from './progress.js';

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
  /** `[name k/n]`, the progress prefix of this stage's steps. */
  label(position: number): string;
}

/** Build a stage from its FROM to its last instruction. */
export async function buildStage(env: BuildEnv, stage: Stage): Promise<StageResult> {
  const total = stage.instructions.length + 1;
  const name = stage.name ?? `stage-${stage.index}`;
  const label = (position: number) => `[${name} ${position}/${total}]`;
  const base = await resolveBase(env, stage, label(1));
  const scope = new StageScope(env.globalArgs, env.options.buildArgs, env.builtinArgs);
  const run: StageRun = { env, stage, ...base, scope, flags: { cmdSet: false }, label };

  const triggers = base.state.config.config?.OnBuild ?? [];
  if (triggers.length > 0) {
    const config = structuredClone(run.state.config);
    if (config.config) config.config.OnBuild = null;
    run.state = { ...run.state, config };
    run.key = stepKey(run.key, 'ONBUILD-CLEAR');
    for (const trigger of onbuildInstructions(env, stage, triggers)) {
      await dispatch(run, trigger, `${label(1)} ONBUILD ${trigger.original}`);
    }
  }
  for (const [i, instruction] of stage.instructions.entries()) {
    await dispatch(run, instruction, `${label(i + 2)} ${instruction.original}`);
  }
  return { state: run.state, key: run.key, stage };
}

async function resolveBase(env: BuildEnv, stage: Stage, label: string) {
  const lookup = (key: string) => env.globalArgs.get(key);
  const image = expandWord(stage.from.image, lookup);
  const step = env.progress.step(`${label} FROM ${image}`);
  const earlier = env.findStage(image, stage.index);
  if (earlier) {
    const result = await env.stageResult(earlier);
    step.done();
    return { state: result.state, key: result.key };
  }
  if (image === 'scratch') {
    step.done();
    const state = scratchState(env.platform);
    return { state, key: stepKey(null, 'FROM', 'scratch', state.config.architecture) };
  }
  const named = env.options.buildContexts?.[image];
  const base = await env.images.resolveNamed(image, named);
  step.done();
  return { state: base.state, key: base.key };
}

function onbuildInstructions(env: BuildEnv, stage: Stage, triggers: string[]): Instruction[] {
  const text = `FROM scratch\n${triggers.join('\n')}\n`;
  const parsed = parseDockerfile(text, { file: `${env.dockerfileName} (ONBUILD of stage ${stage.index})` });
  return parsed.stages[0]?.instructions ?? [];
}

async function dispatch(run: StageRun, instruction: Instruction, name: string): Promise<void> {
  const step = run.env.progress.step(name);
  try {
    await dispatchStep(run, instruction, step);
    step.done();
  } catch (error) {
    step.failed(error instanceof Error ? error.message : String(error));
    if (error instanceof InputError && !error.location) {
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
      run.key = stepKey(run.key, 'ARG', [...run.scope.args].map(([k, v]) => [k, v ?? null]));
      run.state = commitStep(run.state, `ARG ${words.join(' ')}`, run.env.created);
      return;
    }
    default: {
      const change = configChange(run, instruction);
      const applied = applyMetadata(run.state.config.config ?? {}, change, run.flags);
      const config = { ...structuredClone(run.state.config), config: applied.config };
      if (applied.author !== undefined) config.author = applied.author;
      run.key = stepKey(run.key, 'CONFIG', JSON.parse(JSON.stringify(change)));
      run.state = commitStep({ ...run.state, config }, applied.createdBy, run.env.created);
    }
  }
}
