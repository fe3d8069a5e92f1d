import { InputError, type SourceLocation } from '../errors/index.js';

// Parameter expansion: `${NAME}` and `$NAME` in every string of a step.
// `$$` is a literal dollar; `$` before anything that cannot start a name
// (`$(`, `$1`, `$ `) stays as written.

const REFERENCE = /\$\$|\$\{([^}]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Where a string came from, for an error about an undefined parameter. */
export interface FieldSite {
  field: string;
  where?: SourceLocation;
}

/** Looks a parameter up; undefined when it is not set. */
export type Lookup = (name: string) => string | undefined;

/** The parameter names a string refers to. */
export function referencedNames(text: string): string[] {
  const names: string[] = [];
  for (const match of text.matchAll(REFERENCE)) {
    const name = match[1] ?? match[2];
    if (name !== undefined) names.push(name);
  }
  return names;
}

/** Expand one string; `onMissing` decides what an undefined name becomes. */
export function expandString(
  text: string,
  lookup: Lookup,
  site: FieldSite,
  onMissing?: (name: string) => string,
): string {
  return text.replace(REFERENCE, (whole, braced: string | undefined, bare: string | undefined) => {
    if (whole === '$$') return '$';
    const name = braced ?? bare ?? '';
    if (braced !== undefined && !NAME.test(braced)) {
      throw new InputError(
        'PARAMETER_SYNTAX',
        `${site.field}: "${whole}" is not a parameter name`,
        {
          location: site.where,
        },
      );
    }
    const value = lookup(name);
    if (value !== undefined) return value;
    if (onMissing) return onMissing(name);
    throw new InputError('PARAMETER_UNDEFINED', `${site.field}: parameter ${name} is not defined`, {
      location: site.where,
      hint: `set it in variables:, with --var ${name}=..., or as an output of an earlier step`,
    });
  });
}

/** Expand every string inside a value (strings, lists, maps), keeping its shape. */
export function expandValue(
  value: unknown,
  lookup: Lookup,
  site: FieldSite,
  onMissing?: (name: string) => string,
): unknown {
  if (typeof value === 'string') return expandString(value, lookup, site, onMissing);
  if (Array.isArray(value)) {
    return value.map((item, i) =>
      expandValue(item, lookup, { ...site, field: `${site.field}[${i}]` }, onMissing),
    );
  }
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      out[key] = expandValue(item, lookup, { ...site, field: `${site.field}.${key}` }, onMissing);
    }
    return out;
  }
  return value;
}

const SHELL_REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

/**
 * Expand shell text: parameters the run knows are substituted; everything
 * else (`$PID`, `${X:-y}`, `$$`, `$(...)`) is left for the shell to expand.
 */
export function expandShell(value: unknown, lookup: Lookup): unknown {
  if (typeof value === 'string') {
    return value.replace(SHELL_REFERENCE, (whole, braced?: string, bare?: string) => {
      return lookup(braced ?? bare ?? '') ?? whole;
    });
  }
  if (Array.isArray(value)) return value.map((item) => expandShell(item, lookup));
  return value;
}
