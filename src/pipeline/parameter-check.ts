import { InputError } from '../errors/index.js';
import type { Emit } from '../log/index.js';
import { referencedNames } from './expand.js';
import { ancestors } from './graph.js';
import type { Stage, StepNode } from './model.js';
import type { StepKind } from './step.js';
import { expandStep } from './step-spec.js';
import { didYouMean } from './suggest.js';

// Before anything runs: every `${NAME}` in a step's fields (shell text
// aside) is defined somewhere: the run's parameters, or an output an
// earlier step declares. After a step that runs shell commands, any name
// could come from GITEE_PARAMS (so too after a kind that declares no
// outputs): then an unknown name is only a warning.

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** What the check needs from the run. */
export interface ParameterCheck {
  stages: readonly Stage[];
  kinds: ReadonlyMap<string, StepKind>;
  /** Names defined for a step before any step runs (system, variables, --var). */
  known: (stage: Stage, step: StepNode) => ReadonlySet<string>;
  checked: (step: StepNode) => boolean;
  emit: Emit;
}

interface Producers {
  names: Set<string>;
  /** A step that can set any name: shell text (GITEE_PARAMS), or a kind that declares none. */
  shell?: string;
}

/** Throw on the first undefined parameter of a checked step; warn where it cannot be known. */
export function checkParameters(check: ParameterCheck): void {
  const earlier: Producers = { names: new Set() };
  for (const stage of check.stages) {
    const own = new Map(stage.steps.map((step) => [step.name, producersOf(check, step)]));
    for (const step of stage.steps) {
      const visible: Producers = { names: new Set(earlier.names), shell: earlier.shell };
      for (const name of ancestors(stage.steps, step.name)) {
        const from = own.get(name);
        for (const output of from?.names ?? []) visible.names.add(output);
        visible.shell ??= from?.shell;
      }
      if (check.checked(step)) checkStep(check, stage, step, visible);
    }
    for (const from of own.values()) {
      for (const output of from.names) earlier.names.add(output);
      earlier.shell ??= from.shell;
    }
  }
}

function producersOf(check: ParameterCheck, step: StepNode): Producers {
  const kind = check.kinds.get(step.step);
  if (!kind) return { names: new Set() };
  const spec = expandStep(
    step,
    kind,
    () => undefined,
    (name) => `\${${name}}`,
  );
  let names: string[] = [];
  try {
    names = kind.outputs?.(spec) ?? [];
  } catch {
    // A bad outputAlias or artifacts value is the kind's validate() to report.
  }
  const unknowable = kind.rawKeys?.length || !kind.outputs;
  return { names: new Set(names), shell: unknowable ? step.name : undefined };
}

function checkStep(check: ParameterCheck, stage: Stage, step: StepNode, visible: Producers) {
  const raw = new Set(check.kinds.get(step.step)?.rawKeys ?? []);
  const known = check.known(stage, step);
  const fields: Array<[string, unknown]> = Object.entries(step.fields);
  if (step.displayName !== undefined) fields.push(['displayName', step.displayName]);
  for (const [key, value] of fields) {
    if (raw.has(key)) continue;
    for (const name of strings(value).flatMap(referencedNames)) {
      if (!NAME.test(name) || known.has(name) || visible.names.has(name)) continue;
      const where = step.locate(key);
      const message = `${key}: parameter ${name} is not defined`;
      if (visible.shell !== undefined) {
        check.emit({
          kind: 'pipeline.parameter.unknown',
          level: 'warn',
          message: `${where.file}:${where.line}:${where.column}: ${message} before the run; step ${visible.shell} may set it at run time`,
        });
        continue;
      }
      const suggestion = didYouMean(name, [...known, ...visible.names]);
      throw new InputError('PARAMETER_UNDEFINED', `${message}${suggestion}`, {
        location: where,
        hint: `set it in variables:, with --var ${name}=... or --vars-file, or as an output of an earlier step`,
      });
    }
  }
}

function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(strings);
  return [];
}
