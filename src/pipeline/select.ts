import { UsageError } from '../errors/index.js';
import type { Pipeline, Stage, StepNode } from './model.js';
import { didYouMean } from './suggest.js';

// `--stage` and `--step`: which parts of the pipeline a run includes.

export interface Selection {
  stage(stage: Stage): boolean;
  step(step: StepNode): boolean;
}

/** Check the names and build the selection; no names selects everything. */
export function selectParts(
  pipeline: Pipeline,
  stages: readonly string[] = [],
  steps: readonly string[] = [],
): Selection {
  const stageNames = pipeline.stages.flatMap((s) => [s.name, s.displayName ?? s.name]);
  const allSteps = pipeline.stages.flatMap((s) => s.steps);
  const stepNames = allSteps.flatMap((s) => [s.name, s.displayName ?? s.name]);
  for (const name of stages) {
    if (!stageNames.includes(name)) {
      throw new UsageError(`--stage ${name}: no such stage${didYouMean(name, stageNames)}`);
    }
  }
  for (const name of steps) {
    if (!stepNames.includes(name)) {
      throw new UsageError(`--step ${name}: no such step${didYouMean(name, stepNames)}`);
    }
  }
  const named = (list: readonly string[], item: { name: string; displayName?: string }) =>
    list.includes(item.name) || (item.displayName !== undefined && list.includes(item.displayName));
  const stepStage = new Map(pipeline.stages.flatMap((s) => s.steps.map((step) => [step, s])));
  return {
    stage: (stage) =>
      (stages.length === 0 || named(stages, stage)) &&
      (steps.length === 0 || stage.steps.some((step) => named(steps, step))),
    step: (step) => {
      const stage = stepStage.get(step);
      const stageOk = stages.length === 0 || (stage !== undefined && named(stages, stage));
      return stageOk && (steps.length === 0 || named(steps, step));
    },
  };
}
