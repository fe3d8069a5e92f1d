import { InputError } from '../errors/index.js';
import type { Stage, StepNode } from './model.js';
import { checkParameters } from './parameter-check.js';
import type { RunOptions } from './run-options.js';
import type { Selection } from './select.js';
import { expandStep } from './step-spec.js';
import { didYouMean } from './suggest.js';
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
      checkCertificate(options, step);
    }
  }
  checkParametersOf(options, selection, system, variables);
}

/** Every `${NAME}` of the selected steps is defined, or may be by an earlier step. */
export function checkParametersOf(
  options: RunOptions,
  selection: Selection,
  system: ReadonlyMap<string, string>,
  variables: ReadonlyMap<string, string>,
): void {
  const known = (stage: Stage, step: StepNode) =>
    new Set([...stepParameters(stage, step.name).keys(), ...system.keys(), ...variables.keys()]);
  checkParameters({
    stages: options.pipeline.stages,
    kinds: new Map(options.kinds.flatMap((kind) => kind.kinds.map((name) => [name, kind]))),
    known,
    checked: (step) => selection.step(step),
    emit: options.emit,
  });
}

/** With a credentials file given, a `certificate:` id it lacks is an error now. */
export function checkCertificate(options: RunOptions, step: StepNode): void {
  const id = step.fields.certificate;
  if (!options.config?.credentials || typeof id !== 'string' || id.includes('$')) return;
  if (options.credentials.get(id)) return;
  const ids = options.credentials.ids();
  throw new InputError(
    'CREDENTIAL_UNKNOWN',
    `certificate: credential "${id}" is not in ${options.config.credentials}${didYouMean(id, ids)}`,
    {
      location: step.locate('certificate'),
      hint: ids.length ? `known ids: ${ids.join(', ')}` : 'add an entry for it to the file',
    },
  );
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
