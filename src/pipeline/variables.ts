import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { InputError } from '../errors/index.js';
import { expandString } from './expand.js';
import type { Variables } from './model.js';

// Where a parameter's value comes from besides the system: the pipeline's
// `variables`, `--var`, and the project variables (`--vars-file`, and the
// environment for `global:` names).

/** A value with whether it must be masked. */
export interface ProjectVariable {
  value: string;
  secret: boolean;
}

const SECRET_NAME = /PASSWORD|PASSWD|SECRET|TOKEN|CREDENTIAL|PRIVATE_KEY|ACCESS_KEY|_KEY$/i;
const RESERVED = /^(GITEE_|GO_)/;

/** Names that hold secrets by convention are masked like declared secrets. */
export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/**
 * A project variables file (YAML or JSON): `NAME: value`, or
 * `NAME: {value: ..., secret: true}` for a value that must be masked.
 */
export async function loadVarsFile(file: string): Promise<Map<string, ProjectVariable>> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    const why = error.code === 'ENOENT' ? 'no such file' : (error.code ?? error.message);
    throw new InputError('VARS_FILE', `reading variables file ${file}: ${why}`, {
      hint: 'pass --vars-file FILE, a YAML or JSON map of NAME: value',
    });
  });
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (error) {
    throw new InputError('VARS_FILE', `variables file ${file}: ${(error as Error).message}`);
  }
  const vars = new Map<string, ProjectVariable>();
  if (doc === null || doc === undefined) return vars;
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new InputError('VARS_FILE', `variables file ${file} must be a mapping of NAME: value`);
  }
  for (const [name, entry] of Object.entries(doc)) {
    checkUserName(name, `variables file ${file}`);
    if (entry !== null && typeof entry === 'object') {
      const { value, secret } = entry as { value?: unknown; secret?: unknown };
      vars.set(name, { value: String(value ?? ''), secret: secret === true || isSecretName(name) });
    } else {
      vars.set(name, { value: String(entry ?? ''), secret: isSecretName(name) });
    }
  }
  return vars;
}

/** `--var K=V` values. */
export function parseVarFlags(flags: readonly string[]): Map<string, string> {
  const vars = new Map<string, string>();
  for (const flag of flags) {
    const eq = flag.indexOf('=');
    if (eq <= 0) throw new InputError('USAGE', `--var ${flag}: expected NAME=VALUE`);
    const name = flag.slice(0, eq);
    checkUserName(name, '--var');
    vars.set(name, flag.slice(eq + 1));
  }
  return vars;
}

function checkUserName(name: string, where: string): void {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new InputError('VARIABLE_NAME', `${where}: "${name}" is not a valid parameter name`);
  }
  if (RESERVED.test(name)) {
    throw new InputError('VARIABLE_NAME', `${where}: ${name} is reserved (GITEE_ and GO_)`);
  }
}

/** The variables every step sees, by precedence, and which of them are secret. */
export interface ResolvedVariables {
  values: Map<string, string>;
  secrets: Set<string>;
}

/**
 * Resolve the pipeline's variables: `--var` over pipeline `variables` over
 * project variables; `global:` names must come from the project or the env.
 * Values may refer to system parameters and project variables.
 */
export function resolveVariables(
  variables: Variables,
  sources: {
    system: ReadonlyMap<string, string>;
    project: ReadonlyMap<string, ProjectVariable>;
    cli: ReadonlyMap<string, string>;
    env: Readonly<Record<string, string | undefined>>;
  },
): ResolvedVariables {
  const values = new Map<string, string>();
  const secrets = new Set<string>();
  for (const [name, entry] of sources.project) {
    values.set(name, entry.value);
    if (entry.secret) secrets.add(entry.value);
  }
  for (const { name, where } of variables.global) {
    if (values.has(name) || sources.cli.has(name)) continue;
    const fromEnv = sources.env[name];
    if (fromEnv === undefined) {
      throw new InputError('PARAMETER_UNDEFINED', `global variable ${name} is not set`, {
        location: where,
        hint: `add it to the --vars-file, export ${name}=..., or pass --var ${name}=...`,
      });
    }
    values.set(name, fromEnv);
  }
  const lookup = (name: string) =>
    sources.system.get(name) ?? values.get(name) ?? sources.cli.get(name);
  for (const [name, definition] of variables.values) {
    const site = { field: `variables.${name}`, where: definition.where };
    values.set(name, expandString(definition.value, lookup, site));
  }
  for (const [name, value] of sources.cli) values.set(name, value);
  for (const [name, value] of values) if (isSecretName(name)) secrets.add(value);
  return { values, secrets };
}
