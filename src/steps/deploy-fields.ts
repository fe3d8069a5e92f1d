import { InputError } from '../errors/index.js';
import type { StepSpec } from '../pipeline/step.js';

// Typed reads of a step's fields for the publish and deploy kinds. Every bad
// value is an InputError that points at the key in the pipeline file.

/** An InputError located at `key` of the step. */
export function fieldError(spec: StepSpec, key: string, message: string, hint?: string) {
  const at = spec.locate(key);
  return new InputError('STEP_FIELD', `step "${spec.name}": ${key}: ${message}`, {
    hint,
    location: at ? { file: at.file, line: at.line, column: at.column } : undefined,
  });
}

/** A string field; numbers are accepted as their text. */
export function stringField(spec: StepSpec, key: string, fallback?: string): string {
  const value = spec.fields[key];
  if (value === undefined || value === null || value === '') {
    if (fallback !== undefined) return fallback;
    throw fieldError(spec, key, 'is required');
  }
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  throw fieldError(spec, key, `must be a string, not ${describe(value)}`);
}

/** An optional string field. */
export function optionalString(spec: StepSpec, key: string): string | undefined {
  const value = spec.fields[key];
  return value === undefined || value === null || value === '' ? undefined : stringField(spec, key);
}

/** A boolean field; `'true'`/`'false'` strings (from parameters) count too. */
export function boolField(spec: StepSpec, key: string, fallback: boolean): boolean {
  const value = spec.fields[key];
  if (value === undefined || value === null || value === '') return fallback;
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  throw fieldError(spec, key, `must be true or false, not ${describe(value)}`);
}

/** A positive number of seconds, from a number or a string like `300`, `5m`, `90s`. */
export function durationField(spec: StepSpec, key: string, fallbackSeconds: number): number {
  const value = spec.fields[key];
  if (value === undefined || value === null || value === '') return fallbackSeconds;
  const match = /^(\d+)\s*(s|m|h)?$/.exec(String(value));
  if (!match || Number(match[1]) <= 0) {
    throw fieldError(spec, key, `must be a duration like 300, 90s or 5m, not ${describe(value)}`);
  }
  const scale = { s: 1, m: 60, h: 3600 }[match[2] ?? 's'] ?? 1;
  return Number(match[1]) * scale;
}

/** A script as a string or a list of lines, joined with newlines. */
export function scriptField(spec: StepSpec, key = 'script'): string {
  const value = spec.fields[key];
  if (typeof value === 'string' && value.trim() !== '') return value;
  if (Array.isArray(value) && value.length > 0 && value.every((l) => typeof l === 'string')) {
    return value.join('\n');
  }
  if (value === undefined || value === null || value === '') {
    throw fieldError(spec, key, 'is required');
  }
  throw fieldError(spec, key, `must be a string or a list of lines, not ${describe(value)}`);
}

/** How a YAML value reads in an error. */
export function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'a map';
  return JSON.stringify(value);
}
