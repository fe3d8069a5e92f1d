import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError, messageOf, SlipwayError } from '../errors/index.js';
import { type Emit, scoped } from '../log/index.js';
import { stripAnsi } from '../util/ansi.js';
import type { Stage, StepNode } from './model.js';
import { parseParamsFile } from './params-file.js';
import { formatDuration, type StepResult } from './report.js';
import type { RunState } from './run-state.js';
import type { RunArtifact, StepContext, StepSpec } from './step.js';
import { expandStep } from './step-spec.js';

// One step of a run: expand its fields, run it with retries and a timeout,
// keep its log, and collect its outputs and GITEE_PARAMS.

/** How long a step that ignores its abort signal gets before the run moves on. */
const ABORT_GRACE_MS = 5000;

/** A step's result for the report, and its outputs unmasked for later steps. */
export interface StepOutcome {
  result: StepResult;
  outputs: ReadonlyMap<string, string>;
}

/** Run `step` and say how it went; never throws. */
export async function runStep(
  state: RunState,
  stage: Stage,
  step: StepNode,
  visible: ReadonlyMap<string, string>,
  stageSignal: AbortSignal,
): Promise<StepOutcome> {
  const started = Date.now();
  const stepDir = join(state.runDir, 'steps', safe(stage.name), safe(step.name));
  await mkdir(stepDir, { recursive: true });
  const logFile = join(stepDir, 'log');
  const log = createWriteStream(logFile, { flags: 'a' });
  const outputs = new Map<string, string>();
  const result: StepResult = {
    stage: stage.name,
    step: step.step,
    name: step.name,
    displayName: step.displayName,
    status: 'success',
    durationMs: 0,
    retries: 0,
    outputs: {},
    log: logFile,
  };
  // Events a step scopes itself (a host of deploy@agent) keep that scope under the step's.
  const forward = scoped(state.emit, step.name);
  const emit: Emit = (event) => {
    const text = `${event.scope ? `[${event.scope}] ` : ''}${event.message ?? event.kind}`;
    if (event.kind === 'step.output' || event.level !== 'debug') {
      // The log is a file, never a terminal: tools' colour codes do not go in.
      log.write(`${state.masker.mask(stripAnsi(text))}\n`);
    }
    forward(event);
  };

  const kind = state.kinds.get(step.step);
  const attempts = step.strategy.retry + 1;
  const timeoutMs = step.strategy.timeoutMs ?? state.pipeline.strategy.stepTimeoutMs;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    result.retries = attempt - 1;
    outputs.clear();
    // A timer of our own: AbortSignal.timeout does not keep the process alive.
    const timeout = new AbortController();
    const paramsFile = join(stepDir, `params-${attempt}`);
    const timer =
      timeoutMs === undefined ? undefined : setTimeout(() => timeout.abort(), timeoutMs);
    const signal = AbortSignal.any([stageSignal, timeout.signal]);
    try {
      if (!kind) throw unsupported(step);
      const spec = expandStep(step, kind, state.lookupFor(stage, step, visible));
      await writeFile(paramsFile, '');
      emit({
        kind: 'pipeline.step.start',
        message: `start ${step.step} (attempt ${attempt}/${attempts})`,
        level: 'info',
      });
      const context = makeContext(state, spec, {
        stepDir,
        paramsFile,
        emit,
        signal,
        outputs,
        stage,
        visible,
      });
      await untilSettledOrAborted(kind.run(spec, context), signal);
      // The file may hold secrets in the clear: read it, then remove it.
      const written = await readFile(paramsFile, 'utf8');
      await rm(paramsFile, { force: true });
      for (const [key, value] of parseParamsFile(written, step.name)) outputs.set(key, value);
      result.status = 'success';
      result.error = undefined;
      break;
    } catch (error) {
      const timedOut = signal.aborted && !stageSignal.aborted;
      result.status = stageSignal.aborted ? 'cancelled' : timedOut ? 'timeout' : 'failed';
      result.error = timedOut
        ? `timed out after ${formatDuration(timeoutMs ?? 0)}`
        : stageSignal.aborted
          ? 'cancelled'
          : describe(error);
      result.hint = stageSignal.aborted || timedOut ? undefined : hintOf(error);
      emit({
        kind: 'pipeline.step.error',
        message: stageSignal.aborted ? 'cancelled' : `${result.status}: ${result.error}`,
        level: stageSignal.aborted ? 'info' : 'error',
      });
      if (stageSignal.aborted || error instanceof InputError) break;
    } finally {
      clearTimeout(timer);
      await rm(paramsFile, { force: true });
    }
  }
  await new Promise<void>((resolve) => log.end(resolve));
  result.durationMs = Date.now() - started;
  for (const [key, value] of outputs) result.outputs[key] = state.masker.mask(value);
  if (result.error) result.error = state.masker.mask(result.error);
  if (result.hint) result.hint = state.masker.mask(result.hint);
  return { result, outputs };
}

/** The error's place and message; its hint is kept apart, to be printed once at the end. */
function describe(error: unknown): string {
  if (!(error instanceof SlipwayError)) return messageOf(error);
  return error.hint
    ? error.describe().slice(0, -`\n  hint: ${error.hint}`.length)
    : error.describe();
}

function hintOf(error: unknown): string | undefined {
  return error instanceof SlipwayError ? error.hint : undefined;
}

function unsupported(step: StepNode): InputError {
  return new InputError(
    'STEP_UNSUPPORTED',
    `step kind ${step.step} is not supported by slipway yet`,
    {
      location: step.where,
    },
  );
}

function safe(name: string): string {
  return name.replace(/[^A-Za-z0-9_.-]/g, '_');
}

/** Wait for the step; once aborted, give it a grace period to stop its processes. */
async function untilSettledOrAborted(run: Promise<void>, signal: AbortSignal): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const aborted = new Promise<never>((_, reject) => {
    const onAbort = () => {
      timer = setTimeout(() => reject(signal.reason), ABORT_GRACE_MS);
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    await Promise.race([run, aborted]);
    if (signal.aborted) throw signal.reason;
  } finally {
    clearTimeout(timer);
  }
}

interface ContextParts {
  stepDir: string;
  paramsFile: string;
  emit: Emit;
  signal: AbortSignal;
  outputs: Map<string, string>;
  stage: Stage;
  visible: ReadonlyMap<string, string>;
}

function makeContext(state: RunState, spec: StepSpec, parts: ContextParts): StepContext {
  const lookup = state.lookupFor(parts.stage, { name: spec.name }, parts.visible);
  const params = new Map<string, string>();
  for (const name of state.parameterNames(parts.visible)) {
    const value = lookup(name);
    if (value !== undefined) params.set(name, value);
  }
  for (const [name, value] of state.stepSystem(parts.stage, spec.name)) params.set(name, value);
  return {
    workspace: state.workspace,
    stepDir: parts.stepDir,
    params,
    setOutput(key, value, options) {
      if (options?.secret) state.masker.add(value);
      parts.outputs.set(key, value);
    },
    credential(id) {
      const credential = state.credentials.get(id);
      if (credential) return credential;
      throw new InputError(
        'CREDENTIAL_UNKNOWN',
        `credential "${id}" is not in the credentials file`,
        {
          location: spec.locate('certificate'),
          hint: state.credentials.ids().length
            ? `known ids: ${state.credentials.ids().join(', ')}`
            : 'pass --credentials FILE with an entry for it',
        },
      );
    },
    artifact(name) {
      const artifact = state.artifacts.get(name);
      if (artifact) return artifact;
      throw new InputError('ARTIFACT_UNKNOWN', `no artifact named ${name} in this run`);
    },
    addArtifact(artifact: RunArtifact) {
      state.artifacts.set(artifact.name, artifact);
      parts.outputs.set(artifact.name, artifact.file);
    },
    addSecret: (value) => state.masker.add(value),
    mask: (text) => state.masker.mask(text),
    emit: parts.emit,
    signal: parts.signal,
    approve: (question) => state.approve(question, [spec.name, spec.displayName ?? spec.name]),
    stateDir: state.home,
    config: state.config,
    paramsFile: parts.paramsFile,
    artifactsDir: state.artifactsDir,
    cachesDir: state.cachesDir,
    hostTools: state.hostTools,
    hostEnv: state.hostEnv,
  };
}
