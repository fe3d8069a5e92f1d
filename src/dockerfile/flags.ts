// Instruction flags (`--name=value`) parsed as BuildKit's BFlags does.
import { didYouMean } from './errors.js';
import { LineError } from './line-parsers.js';

/** The kind of value each flag takes. */
export type FlagSpec = Record<string, 'bool' | 'string' | 'strings'>;

/** Parsed flag values: booleans, strings, and repeated strings. */
export interface FlagValues {
  bools: Map<string, boolean>;
  strings: Map<string, string>;
  lists: Map<string, string[]>;
}

/** Parses raw flags against a spec; unknown flags fail with "did you mean". */
export function parseFlags(raw: readonly string[], spec: FlagSpec): FlagValues {
  const values: FlagValues = { bools: new Map(), strings: new Map(), lists: new Map() };
  if (raw.length === 0) return values;
  const used = new Set<string>();
  for (const arg of raw) {
    try {
      parseFlag(arg, spec, values, used);
    } catch (error) {
      if (error instanceof LineError && error.needle === undefined) error.needle = arg;
      throw error;
    }
    if (arg === '--') break;
  }
  return values;
}

function parseFlag(arg: string, spec: FlagSpec, values: FlagValues, used: Set<string>): void {
  if (!arg.startsWith('--')) throw new LineError(`arg should start with -- : ${arg}`);
  if (arg === '--') return;
  const at = arg.indexOf('=');
  const name = at >= 0 ? arg.slice(2, at) : arg.slice(2);
  const value = at >= 0 ? arg.slice(at + 1) : '';
  const type = spec[name];
  if (type === undefined) {
    throw new LineError(didYouMean(`unknown flag: ${name}`, name, Object.keys(spec)));
  }
  if (used.has(name) && type !== 'strings') {
    throw new LineError(`duplicate flag specified: ${name}`);
  }
  used.add(name);
  if (type === 'bool') {
    if (at >= 0 && value === '') throw new LineError(`missing a value on flag: ${name}`);
    const lower = value.toLowerCase();
    if (lower !== '' && lower !== 'true' && lower !== 'false') {
      throw new LineError(`expecting boolean value for flag ${name}, not: ${value}`);
    }
    values.bools.set(name, lower !== 'false');
    return;
  }
  if (at < 0) throw new LineError(`missing a value on flag: ${name}`);
  if (type === 'string') values.strings.set(name, value);
  else {
    const list = values.lists.get(name);
    if (list === undefined) values.lists.set(name, [value]);
    else list.push(value);
  }
}
