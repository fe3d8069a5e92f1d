import { statePaths } from '../util/paths.js';
import { waves } from './graph.js';
import { checkCertificate, checkParametersOf, maskField } from './preflight.js';
import { formatDuration } from './report.js';
import type { RunOptions } from './run-options.js';
import { selectParts } from './select.js';
import { peekBuildNumber, pipelineDir } from './state.js';
import { expandStep } from './step-spec.js';
import { stepParameters, systemParameters } from './system.js';
import { resolveVariables } from './variables.js';

// `--dry-run`: what a run would do, with every parameter resolved that can
// be before the run (step outputs show as `${NAME}`), secrets masked.

export interface PlannedStep {
  name: string;
  step: string;
  displayName?: string;
  dependsOn: string[];
  retry: number;
  timeoutMs?: number;
  /** Whether slipway implements the kind. */
  supported: boolean;
  selected: boolean;
  fields: Record<string, unknown>;
}

export interface PlannedStage {
  name: string;
  displayName?: string;
  strategy: string;
  trigger: string;
  selected: boolean;
  /** Steps grouped in the order they can start. */
  waves: PlannedStep[][];
}

export interface Plan {
  pipeline: string;
  file: string;
  buildNumber: number;
  parameters: Record<string, string>;
  stages: PlannedStage[];
}

/** Make the plan; secrets are masked in what it holds. */
export async function planPipeline(options: RunOptions): Promise<Plan> {
  const { pipeline, masker } = options;
  for (const secret of options.credentials.secrets()) masker.add(secret);
  const dir = pipelineDir(statePaths(options.home).pipelines, pipeline.name, options.workspace);
  const buildNumber = await peekBuildNumber(dir);
  const system = systemParameters({ ...options, buildNumber });
  const variables = resolveVariables(pipeline.variables, {
    system,
    project: options.projectVariables,
    cli: options.cliVariables,
    env: options.env,
  });
  for (const secret of variables.secrets) masker.add(secret);
  const selection = selectParts(pipeline, options.stages, options.steps);
  const kinds = new Map(options.kinds.flatMap((kind) => kind.kinds.map((name) => [name, kind])));
  const parameters: Record<string, string> = {};
  for (const [name, value] of [...system, ...variables.values])
    parameters[name] = masker.mask(value);

  const stages = pipeline.stages.map((stage) => {
    const planned = waves(stage.steps).map((wave) =>
      wave.map((step): PlannedStep => {
        const own = stepParameters(stage, step.name);
        const lookup = (name: string) =>
          own.get(name) ?? system.get(name) ?? variables.values.get(name);
        const kind = kinds.get(step.step);
        const spec = expandStep(step, kind, lookup, (name) => `\${${name}}`);
        for (const key of kind?.secretKeys ?? []) maskField(masker, spec.fields[key]);
        if (kind && selection.step(step)) kind.validate?.(spec);
        if (selection.step(step)) checkCertificate(options, step);
        return {
          name: step.name,
          step: step.step,
          displayName: step.displayName,
          dependsOn: step.dependsOn,
          retry: step.strategy.retry,
          timeoutMs: step.strategy.timeoutMs ?? pipeline.strategy.stepTimeoutMs,
          supported: kind !== undefined,
          selected: selection.step(step),
          fields: JSON.parse(masker.mask(JSON.stringify(spec.fields))) as Record<string, unknown>,
        };
      }),
    );
    return {
      name: stage.name,
      displayName: stage.displayName,
      strategy: stage.strategy,
      trigger: stage.trigger,
      selected: selection.stage(stage),
      waves: planned,
    };
  });
  checkParametersOf(options, selection, system, variables.values);
  return { pipeline: pipeline.name, file: pipeline.file, buildNumber, parameters, stages };
}

/** The plan as text for a terminal or a CI log. */
export function formatPlan(plan: Plan): string {
  const lines = [
    `pipeline ${plan.pipeline} (${plan.file}), next build #${plan.buildNumber}`,
    'parameters:',
  ];
  for (const [name, value] of Object.entries(plan.parameters)) lines.push(`  ${name}=${value}`);
  plan.stages.forEach((stage, i) => {
    const skip = stage.selected ? '' : ' [not selected]';
    const title =
      stage.displayName && stage.displayName !== stage.name ? ` (${stage.displayName})` : '';
    lines.push(
      `stage ${i + 1}: ${stage.name}${title}, strategy ${stage.strategy}, trigger ${stage.trigger}${skip}`,
    );
    stage.waves.forEach((wave, w) => {
      for (const step of wave) {
        const after = step.dependsOn.length ? `, after ${step.dependsOn.join(', ')}` : '';
        const timeout = step.timeoutMs ? `, timeout ${formatDuration(step.timeoutMs)}` : '';
        const flags = `${step.supported ? '' : ' [not supported by slipway]'}${step.selected ? '' : ' [not selected]'}`;
        lines.push(
          `  ${w + 1}. ${step.name} ${step.step}${after}, retry ${step.retry}${timeout}${flags}`,
        );
        for (const [key, value] of Object.entries(step.fields)) {
          lines.push(`       ${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`);
        }
      }
    });
  });
  return lines.join('\n');
}
