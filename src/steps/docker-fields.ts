import { InputError } from '../errors/index.js';
import type { StepSpec } from '../pipeline/step.js';

// Reading build@docker's form fields, each error pointing at its key.

export const DOCKER_KEYS = [
  'repository',
  'type',
  'username',
  'password',
  'certificate',
  'tag',
  'dockerfile',
  'context',
  'artifacts',
  'isCache',
  'parameter',
  'processorType',
  'outputAlias',
  'target',
] as const;

/** The three outputs, by their default names. */
export const DEFAULT_OUTPUTS = {
  image: 'GITEE_DOCKER_IMAGE',
  digest: 'GITEE_DOCKER_IMAGE_DIGEST',
  pinned: 'GITEE_DOCKER_IMAGE_PINNED',
} as const;

export type OutputNames = { image: string; digest: string; pinned: string };

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function bad(spec: StepSpec, key: string, message: string, hint?: string): InputError {
  return new InputError('STEP_FIELD', `${key}: ${message}`, { location: spec.locate(key), hint });
}

/** An optional string field. */
export function text(spec: StepSpec, key: string): string | undefined {
  const value = spec.fields[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'object') throw bad(spec, key, 'must be a string');
  return String(value);
}

/** `isCache`: false means no cache at all. */
export function useCache(spec: StepSpec): boolean {
  const value = spec.fields.isCache;
  if (value === undefined || value === null) return true;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw bad(spec, 'isCache', 'must be true or false');
}

/** `parameter`: build args as a map. */
export function buildArgs(spec: StepSpec): Record<string, string> {
  const value = spec.fields.parameter;
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw bad(spec, 'parameter', 'must be a map of build arguments', 'parameter: {VERSION: "1.4"}');
  }
  const args: Record<string, string> = {};
  for (const [key, item] of Object.entries(value)) {
    if (item !== null && typeof item === 'object')
      throw bad(spec, 'parameter', `${key} must be a string`);
    args[key] = item === null ? '' : String(item);
  }
  return args;
}

/** `processorType`: amd64, arm64, ... as OCI platforms. */
export function platforms(spec: StepSpec): string[] | undefined {
  const value = spec.fields.processorType;
  if (value === undefined || value === null || value === '') return undefined;
  const list = Array.isArray(value) ? value : String(value).split(',');
  return list.map((item) => {
    const arch = String(item).trim();
    if (!/^[a-z0-9_/]+$/.test(arch))
      throw bad(spec, 'processorType', `"${arch}" is not an architecture`);
    return arch.includes('/') ? arch : `linux/${arch}`;
  });
}

/** `artifacts`: each a path of this run's artifact store (from `${NAME}`) or a URL. */
export function artifactEntries(spec: StepSpec): string[] {
  const value = spec.fields.artifacts;
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value))
    throw bad(spec, 'artifacts', 'must be a list of artifact parameters ($NAME) or URLs');
  return value.map(String).filter((entry) => entry.trim() !== '');
}

/**
 * `outputAlias`: a name (`API` gives API, API_DIGEST, API_PINNED) or a map
 * from the default names to new ones.
 */
export function outputNames(spec: StepSpec): OutputNames {
  const value = spec.fields.outputAlias;
  if (value === undefined || value === null || value === '') return { ...DEFAULT_OUTPUTS };
  const check = (name: string) => {
    if (!NAME.test(name) || /^(GITEE_|GO_)/.test(name)) {
      throw bad(spec, 'outputAlias', `"${name}" must be a parameter name outside GITEE_ and GO_`);
    }
    return name;
  };
  if (typeof value === 'string') {
    const alias = check(value);
    return { image: alias, digest: `${alias}_DIGEST`, pinned: `${alias}_PINNED` };
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw bad(spec, 'outputAlias', 'must be a name or a map of output names');
  }
  const names: OutputNames = { ...DEFAULT_OUTPUTS };
  const byDefault = Object.entries(DEFAULT_OUTPUTS) as Array<[keyof OutputNames, string]>;
  for (const [from, to] of Object.entries(value)) {
    const slot = byDefault.find(([, name]) => name === from)?.[0];
    if (!slot) {
      throw bad(
        spec,
        'outputAlias',
        `unknown output ${from}; outputs are ${Object.values(DEFAULT_OUTPUTS).join(', ')}`,
      );
    }
    names[slot] = check(String(to));
  }
  return names;
}
