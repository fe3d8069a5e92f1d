// `RUN --mount=type=...,key=value` specifications, as BuildKit's ParseMount reads them.
import { didYouMean } from './errors.js';
import { LineError } from './line-parsers.js';
import type { CacheSharing, Mount, MountType } from './types.js';

const TYPES: MountType[] = ['bind', 'cache', 'tmpfs', 'secret', 'ssh'];
const KEYS = [
  'type',
  'from',
  'source',
  'src',
  'target',
  'dst',
  'destination',
  'readonly',
  'ro',
  'readwrite',
  'rw',
  'required',
  'id',
  'sharing',
  'mode',
  'uid',
  'gid',
  'size',
  'env',
];
const SHARING: CacheSharing[] = ['shared', 'private', 'locked'];

/** Expands a variable-bearing value; the identity when no environment is known. */
export type WordExpander = (word: string) => string;

/** Splits a CSV line the way encoding/csv reads one record. */
export function csvFields(text: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  let atStart = true;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
      continue;
    }
    if (ch === '"' && atStart) {
      quoted = true;
      atStart = false;
    } else if (ch === ',') {
      fields.push(field);
      field = '';
      atStart = true;
    } else {
      field += ch;
      atStart = false;
    }
  }
  if (quoted) throw new LineError(`extraneous or missing " in quoted-field: ${text}`);
  fields.push(field);
  return fields;
}

function parseBool(key: string, value: string): boolean {
  const lower = value.toLowerCase();
  if (['1', 't', 'true'].includes(lower)) return true;
  if (['0', 'f', 'false'].includes(lower)) return false;
  throw new LineError(`invalid value for ${key}: ${JSON.stringify(value)}`);
}

function parseUint(key: string, value: string, radix: number): number | undefined {
  // A value still holding a variable is checked when the builder expands it.
  if (value.includes('$')) return undefined;
  const pattern = radix === 8 ? /^[0-7]+$/ : /^[0-9]+$/;
  const parsed = Number.parseInt(value, radix);
  if (!pattern.test(value) || parsed > 0xffffffff) {
    throw new LineError(`invalid value for ${key}: ${JSON.stringify(value)}`);
  }
  return parsed;
}

/** Parses `size=` like Docker's RAMInBytes: `64m`, `1g`, `1024`. */
export function ramInBytes(value: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([kmgtp]?)(i?b)?$/i.exec(value);
  if (match === null) throw new LineError(`invalid size: '${value}'`);
  const power = ' kmgtp'.indexOf((match[2] || ' ').toLowerCase());
  return Math.floor(Number(match[1]) * 1024 ** power);
}

/** Parses one --mount value; `expand` turns `$VAR` into values at build time. */
export function parseMount(spec: string, expand: WordExpander = (w) => w): Mount {
  const mount: Mount = { type: 'bind', readOnly: true };
  let readOnlyAuto = true;
  for (const field of csvFields(spec)) {
    const at = field.indexOf('=');
    const key = (at < 0 ? field : field.slice(0, at)).toLowerCase();
    if (at < 0) {
      if (key === 'readonly' || key === 'ro' || key === 'readwrite' || key === 'rw') {
        mount.readOnly = key === 'readonly' || key === 'ro';
        readOnlyAuto = false;
      } else if (key === 'required' && (mount.type === 'secret' || mount.type === 'ssh')) {
        mount.required = true;
      } else if (key === 'required') {
        throw new LineError(`unexpected key '${key}' for mount type '${mount.type}'`);
      } else {
        throw new LineError(`invalid field '${field}' must be a key=value pair`);
      }
      continue;
    }
    const value = expand(field.slice(at + 1));
    readOnlyAuto = setField(mount, key, value, field) && readOnlyAuto;
  }
  return finish(mount, readOnlyAuto);
}

// Sets one key; returns false when it decided read-only explicitly.
function setField(mount: Mount, key: string, value: string, field: string): boolean {
  switch (key) {
    case 'type': {
      const type = value.toLowerCase() as MountType;
      if (!TYPES.includes(type)) {
        throw new LineError(didYouMean(`unsupported mount type "${value}"`, value, TYPES));
      }
      mount.type = type;
      return true;
    }
    case 'from':
      mount.from = value;
      return true;
    case 'source':
    case 'src':
      mount.source = value;
      return true;
    case 'target':
    case 'dst':
    case 'destination':
      mount.target = value;
      return true;
    case 'readonly':
    case 'ro':
      mount.readOnly = parseBool(key, value);
      return false;
    case 'readwrite':
    case 'rw':
      mount.readOnly = !parseBool(key, value);
      return false;
    case 'required':
      if (mount.type !== 'secret' && mount.type !== 'ssh') {
        throw new LineError(`unexpected key '${key}' for mount type '${mount.type}'`);
      }
      mount.required = parseBool(key, value);
      return true;
    case 'id':
      mount.id = value;
      return true;
    case 'sharing': {
      const sharing = value.toLowerCase() as CacheSharing;
      if (!SHARING.includes(sharing)) {
        throw new LineError(`unsupported sharing value "${value}"`);
      }
      mount.sharing = sharing;
      return true;
    }
    case 'mode':
      mount.mode = parseUint(key, value, 8);
      return true;
    case 'uid':
    case 'gid':
      mount[key] = parseUint(key, value, 10);
      return true;
    case 'size':
      if (mount.type !== 'tmpfs') {
        throw new LineError(`unexpected key 'size' for mount type '${mount.type}'`);
      }
      if (!value.includes('$')) mount.size = ramInBytes(value);
      return true;
    case 'env':
      if (mount.type !== 'secret') {
        throw new LineError(`unexpected key 'env' for mount type '${mount.type}'`);
      }
      mount.env = value;
      return true;
    default:
      throw new LineError(didYouMean(`unexpected key '${key}' in '${field}'`, key, KEYS));
  }
}

function finish(mount: Mount, readOnlyAuto: boolean): Mount {
  const fileInfo = mount.type === 'secret' || mount.type === 'ssh' || mount.type === 'cache';
  if (
    !fileInfo &&
    (mount.mode !== undefined || mount.uid !== undefined || mount.gid !== undefined)
  ) {
    throw new LineError(`mode/uid/gid not allowed for type ${mount.type}`);
  }
  if (readOnlyAuto) mount.readOnly = !(mount.type === 'cache' || mount.type === 'tmpfs');
  if (mount.sharing !== undefined && mount.type !== 'cache') {
    throw new LineError(`invalid cache sharing set for ${mount.type} mount`);
  }
  if (mount.type === 'secret') {
    if (mount.from !== undefined) throw new LineError('secret mount should not have a from');
    if (mount.source === undefined && mount.target === undefined && mount.id === undefined) {
      throw new LineError('invalid secret mount. one of source, target required');
    }
    if (mount.source !== undefined && mount.id !== undefined) {
      throw new LineError("both source and id can't be set");
    }
  }
  const needsTarget = mount.type === 'bind' || mount.type === 'cache' || mount.type === 'tmpfs';
  if (needsTarget && (mount.target === undefined || mount.target === '')) {
    throw new LineError(`mount type ${mount.type} requires a target (target=/path)`);
  }
  return mount;
}
