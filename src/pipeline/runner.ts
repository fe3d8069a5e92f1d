import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { SlipwayError, StepFailedError } from '../errors/index.js';
import { writeFileAtomic } from '../util/fs.js';
import { statePaths } from '../util/paths.js';
import { credentialSecrets, preflight } from './preflight.js';
import type { RunReport, StepResult } from './report.js';
import type { RunOptions } from './run-options.js';
import { RunState } from './run-state.js';
import { selectParts } from './select.js';
import { runStage } from './stage-run.js';
import { nextBuildNumber, pipelineDir, type RunLock, takeRunLock } from './state.js';
import { systemParameters } from './system.js';
import { resolveVariables } from './variables.js';

// A whole run: stages in order, each after the one before succeeded. The
// report says what every step did; report.json is kept in the run folder.

/** Run a validated pipeline. Resolves with the report, failed or not. */
export async function runPipeline(options: RunOptions): Promise<RunReport> {
  const { pipeline, masker } = options;
  for (const secret of credentialSecrets(options)) masker.add(secret);
  const dir = pipelineDir(statePaths(options.home).pipelines, pipeline.name, options.workspace);
  const selection = selectParts(pipeline, options.stages, options.steps);
  const buildNumber = await nextBuildNumber(dir);
  const system = systemParameters({ ...options, buildNumber });
  const variables = resolveVariables(pipeline.variables, {
    system,
    project: options.projectVariables,
    cli: options.cliVariables,
    env: options.env,
  });
  for (const secret of variables.secrets) masker.add(secret);
  preflight(options, selection, system, variables.values);

  let lock: RunLock | undefined;
  if (pipeline.strategy.blocking) lock = await takeRunLock(dir, buildNumber);
  const runDir = join(dir, 'runs', String(buildNumber));
  const artifactsDir = join(runDir, 'artifacts');
  await mkdir(artifactsDir, { recursive: true });
  const state = new RunState({
    ...options,
    kinds: new Map(options.kinds.flatMap((kind) => kind.kinds.map((name) => [name, kind]))),
    runDir,
    artifactsDir,
    cachesDir: join(dir, 'caches'),
    system,
    variables: variables.values,
    config: options.config ?? {},
    hostTools: options.hostTools ?? false,
    approve: (question, names) => approveStep(options, question, names),
  });
  const started = Date.now();
  const report: RunReport = {
    pipeline: pipeline.name,
    file: pipeline.file,
    buildNumber,
    status: 'success',
    startedAt: new Date(started).toISOString(),
    durationMs: 0,
    runDir,
    steps: [],
  };
  const signal = options.signal ?? new AbortController().signal;
  try {
    for (const stage of pipeline.stages) {
      const skip = (reason: string): StepResult[] =>
        stage.steps.map((step) => ({
          stage: stage.name,
          step: step.step,
          name: step.name,
          displayName: step.displayName,
          status: 'skipped',
          durationMs: 0,
          retries: 0,
          outputs: {},
          reason,
        }));
      if (report.failure || signal.aborted) {
        report.steps.push(...skip('an earlier stage failed'));
        continue;
      }
      if (!selection.stage(stage)) {
        report.steps.push(...skip('not selected'));
        continue;
      }
      options.emit({ kind: 'pipeline.stage', message: `stage ${stage.name}`, level: 'info' });
      const approval = await approveStage(options, stage);
      if (approval) {
        report.failure = { stage: stage.name, message: approval };
        report.steps.push(...skip('waiting for approval'));
        continue;
      }
      const results = await runStage(state, stage, selection.step, signal);
      report.steps.push(...results);
      const failed = results.find((r) => r.status !== 'success' && r.status !== 'skipped');
      if (failed && signal.aborted) {
        const running = results.find((r) => r.status === 'cancelled') ?? failed;
        report.failure = {
          stage: stage.name,
          step: running.name,
          message: `run interrupted during step ${running.name} (${running.step}) in stage ${stage.name}`,
          interrupted: true,
        };
      } else if (failed) {
        report.failure = {
          stage: stage.name,
          step: failed.name,
          message: `step ${failed.name} (${failed.step}) in stage ${stage.name} ${failed.status}: ${failed.error ?? ''}`,
          hint: failed.hint,
        };
      }
    }
  } finally {
    await lock?.release();
  }
  report.status = report.failure ? 'failed' : 'success';
  report.durationMs = Date.now() - started;
  await writeFileAtomic(join(runDir, 'report.json'), masker.mask(JSON.stringify(report, null, 2)));
  return JSON.parse(masker.mask(JSON.stringify(report))) as RunReport;
}

/** A step's question (rolling@agent's second batch): `--approve STEP`, else a person. */
async function approveStep(options: RunOptions, question: string, names: readonly string[]) {
  const approved = options.approvals?.find((name) => names.includes(name));
  if (approved !== undefined) {
    options.emit({
      kind: 'pipeline.approved',
      message: `${question} approved by --approve ${approved}`,
      level: 'info',
    });
    return true;
  }
  return options.ask ? options.ask(question) : false;
}

/** Undefined when the stage may run, else why it may not. */
async function approveStage(options: RunOptions, stage: RunOptions['pipeline']['stages'][number]) {
  if (stage.trigger !== 'manual') return undefined;
  const names = [stage.name, stage.displayName].filter(Boolean);
  if (options.approvals?.some((name) => names.includes(name))) {
    options.emit({
      kind: 'pipeline.approved',
      message: `stage ${stage.name} approved by --approve`,
      level: 'info',
    });
    return undefined;
  }
  if (options.ask) {
    const yes = await options.ask(`stage ${stage.name} is manual: run it now?`);
    if (yes) return undefined;
    return `stage ${stage.name} was not approved at the prompt: it and later stages did not run`;
  }
  return `stage ${stage.name} has trigger: manual and waits for approval: run again with --approve ${stage.name}`;
}

/** A failed report as an error for the CLI: the step, its stage, hint and log, each once. */
export function failureOf(report: RunReport): SlipwayError | undefined {
  const failure = report.failure;
  if (!failure) return undefined;
  const log = report.steps.find((s) => s.name === failure.step)?.log;
  if (failure.interrupted) {
    return new SlipwayError('INTERRUPTED', failure.message, {
      hint: log ? `running steps were stopped; the step's log: ${log}` : undefined,
    });
  }
  const hints = [failure.hint, log && `the step's log: ${log}`].filter(Boolean);
  return new StepFailedError(failure.message, {
    hint: hints.length ? hints.join('\n  ') : undefined,
  });
}
