import { ancestors, waves } from './graph.js';
import type { Stage, StepNode } from './model.js';
import type { StepResult } from './report.js';
import type { RunState } from './run-state.js';
import { runStep } from './step-run.js';

// One stage: its steps in parallel, each starting once the steps it
// dependsOn succeeded. `fast` cancels the rest on the first failure;
// `naturally` lets the other chains finish.

/** Run the selected steps of a stage; results in the stage's step order. */
export async function runStage(
  state: RunState,
  stage: Stage,
  selected: (step: StepNode) => boolean,
  signal: AbortSignal,
): Promise<StepResult[]> {
  const stop = new AbortController();
  const stageSignal = AbortSignal.any([signal, stop.signal]);
  const results = new Map<string, Promise<StepResult>>();
  const rawOutputs = new Map<string, ReadonlyMap<string, string>>();

  for (const wave of waves(stage.steps)) {
    for (const step of wave) {
      const dependencies = step.dependsOn.map((name) => results.get(name)!);
      results.set(step.name, start(step, dependencies));
    }
  }

  async function start(step: StepNode, dependencies: Promise<StepResult>[]): Promise<StepResult> {
    const before = await Promise.all(dependencies);
    const blocked = before.find((r) => r.status !== 'success' && r.reason !== 'not selected');
    if (!selected(step)) return skipped(stage, step, 'not selected');
    if (blocked) return skipped(stage, step, `${blocked.name} did not succeed`);
    if (stageSignal.aborted) return skipped(stage, step, 'the stage stopped after a failure');

    const visible = new Map(state.stageOutputs);
    for (const name of ancestors(stage.steps, step.name)) {
      for (const [key, value] of rawOutputs.get(name) ?? []) visible.set(key, value);
    }
    const { result, outputs } = await runStep(state, stage, step, visible, stageSignal);
    rawOutputs.set(step.name, outputs);
    if (result.status !== 'success' && stage.strategy === 'fast') stop.abort();
    return result;
  }

  const ordered = await Promise.all(stage.steps.map((step) => results.get(step.name)!));
  for (const result of ordered) {
    for (const [key, value] of rawOutputs.get(result.name) ?? [])
      state.stageOutputs.set(key, value);
  }
  return ordered;
}

function skipped(stage: Stage, step: StepNode, reason: string): StepResult {
  return {
    stage: stage.name,
    step: step.step,
    name: step.name,
    displayName: step.displayName,
    status: 'skipped',
    durationMs: 0,
    retries: 0,
    outputs: {},
    reason,
  };
}
