import { expandShell, expandValue, type Lookup } from './expand.js';
import type { StepNode } from './model.js';
import type { StepKind, StepSpec } from './step.js';

// A step as a StepKind sees it: its fields with parameters expanded, and a
// way to point at any of its keys in the file.

/**
 * Expand a step's fields. Keys the kind lists as `rawKeys` (shell text) get
 * only the parameters the run knows; the shell expands the rest. `onMissing` makes a lenient expansion for the plan.
 */
export function expandStep(
  step: StepNode,
  kind: Pick<StepKind, 'rawKeys'> | undefined,
  lookup: Lookup,
  onMissing?: (name: string) => string,
): StepSpec {
  const raw = new Set(kind?.rawKeys ?? []);
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(step.fields)) {
    const site = { field: key, where: step.locate(key) };
    fields[key] = raw.has(key)
      ? expandShell(value, lookup)
      : expandValue(value, lookup, site, onMissing);
  }
  const text = (value: string, key: string) =>
    String(expandValue(value, lookup, { field: key, where: step.locate(key) }, onMissing));
  return {
    step: step.step,
    name: step.name,
    displayName: step.displayName === undefined ? undefined : text(step.displayName, 'displayName'),
    fields,
    locate: (key) => step.locate(key),
    caches: step.caches.map((path) => text(path, 'caches')),
  };
}
