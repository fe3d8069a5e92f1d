import { InputError } from '../errors/index.js';
import type { StepNode } from './model.js';
import type { RunOptions } from './run-options.js';
import type { Selection } from './select.js';
import { expandStep } from './step-spec.js';
import { stepParameters } from './system.js';

// Checks made before the first step starts, so a run does not fail an hour
// in on a typo: every selected step has a kind slipway runs, and its fields
// pass the kind's own validation.

/** Every secret the credentials file holds. */
export function credentialSecrets(options: RunOptions): string[] {
  return options.credentials.secrets();
}

/** Throw the first problem of the selected steps. */
export function preflight(
  options: RunOptions,
  selection: Selection,
  system: ReadonlyMap<string, string>,
  variables: ReadonlyMap<string, string>,
): void {
  const kinds = new Map(options.kinds.flatMap((kind) => kind.kinds.map((name) => [name, kind])));
  for (const stage of options.pipeline.stages) {
    if (!selection.stage(stage)) continue;
    for (const step of stage.steps) {
      if (!selection.step(step)) continue;
      const kind = kinds.get(step.step);
      if (!kind) throw unsupported(step);
      const own = stepParameters(stage, step.name);
      const lookup = (name: string) => own.get(name) ?? system.get(name) ?? variables.get(name);
      const spec = expandStep(step, kind, lookup, (name) => `\${${name}}`);
      for (const key of kind.secretKeys ?? []) maskField(options.masker, spec.fields[key]);
      kind.validate?.(spec);
    }
  }
}

/** A step kind that Gitee Go has and slipway does not run. */
export function unsupported(step: StepNode): InputError {
  return new InputError(
    'STEP_UNSUPPORTED',
    `step kind ${step.step} is not supported by slipway yet`,
    {
      location: step.locate('step'),
      hint: `step ${step.name}: leave it out with --step/--stage, or replace it`,
    },
  );
}

/** Mask a secret field's value (a string, or the strings in a list). */
export function maskField(masker: { add(value: string): void }, value: unknown): void {
  if (typeof value === 'string' && !value.includes('${')) masker.add(value);
  if (Array.isArray(value)) for (const item of value) maskField(masker, item);
}
