import { isDeepStrictEqual } from 'node:util';

// Server-side apply as the fake API server does it: every leaf field of an
// object has owners (field managers); an apply by one manager conflicts with
// another that owns a field it sets to a different value, unless forced; a
// field the applier stops setting, and nobody else owns, is removed.
// Lists are atomic leaves (the real server merges some lists by key).

/** A field path such as `.spec.replicas`. */
export type FieldPath = string;

/** Who owns which fields of one object. */
export type Owners = Map<string, { operation: 'Apply' | 'Update'; fields: Set<FieldPath> }>;

/** A field set by the applier that another manager owns with another value. */
export interface Conflict {
  manager: string;
  path: FieldPath;
}

type Obj = Record<string, unknown>;

const UNMANAGED = new Set(['.apiVersion', '.kind', '.metadata.name', '.metadata.namespace']);

/** Every leaf of an object by path, except identity fields and status. */
export function leaves(object: unknown, prefix = ''): Map<FieldPath, unknown> {
  const found = new Map<FieldPath, unknown>();
  const walk = (value: unknown, path: string) => {
    if (isObj(value) && Object.keys(value).length > 0) {
      for (const [key, child] of Object.entries(value)) walk(child, `${path}.${key}`);
    } else if (!UNMANAGED.has(path) && !path.startsWith('.status') && !isSystem(path)) {
      found.set(path, value);
    }
  };
  walk(object, prefix);
  return found;
}

function isSystem(path: string): boolean {
  return /^\.metadata\.(managedFields|resourceVersion|uid|generation|creationTimestamp)/.test(path);
}

/** Apply `config` as `manager` onto `current`; returns the new object or conflicts. */
export function apply(
  current: Obj | undefined,
  owners: Owners,
  config: Obj,
  manager: string,
  force: boolean,
): { object: Obj; conflicts: Conflict[] } {
  const object = structuredClone(current ?? {}) as Obj;
  const applied = leaves(config);
  const conflicts: Conflict[] = [];
  for (const [path, value] of applied) {
    for (const [other, owned] of owners) {
      if (other === manager || !owned.fields.has(path)) continue;
      if (!isDeepStrictEqual(getPath(object, path), value))
        conflicts.push({ manager: other, path });
    }
  }
  if (conflicts.length > 0 && !force) return { object, conflicts };
  for (const { manager: other, path } of conflicts) owners.get(other)?.fields.delete(path);

  const previous = owners.get(manager)?.fields ?? new Set<FieldPath>();
  for (const path of previous) {
    const ownedElsewhere = [...owners].some(([m, o]) => m !== manager && o.fields.has(path));
    if (!applied.has(path) && !ownedElsewhere) unsetPath(object, path);
  }
  for (const [path, value] of applied) setPath(object, path, structuredClone(value));
  for (const key of ['apiVersion', 'kind']) object[key] = config[key];
  owners.set(manager, { operation: 'Apply', fields: new Set(applied.keys()) });
  prune(owners);
  return { object, conflicts: [] };
}

/** A whole-object write (create or PUT) by `manager`: it owns what it changed. */
export function update(previous: Obj | undefined, owners: Owners, next: Obj, manager: string) {
  const before = leaves(previous ?? {});
  const after = leaves(next);
  for (const owned of owners.values()) {
    for (const path of owned.fields) {
      if (!after.has(path) || !isDeepStrictEqual(before.get(path), after.get(path))) {
        owned.fields.delete(path);
      }
    }
  }
  const mine = owners.get(manager)?.fields ?? new Set<FieldPath>();
  for (const [path, value] of after) {
    const unowned = ![...owners.values()].some((o) => o.fields.has(path));
    if (unowned || !isDeepStrictEqual(before.get(path), value)) mine.add(path);
  }
  owners.set(manager, { operation: 'Update', fields: mine });
  prune(owners);
}

function prune(owners: Owners) {
  for (const [manager, owned] of owners) if (owned.fields.size === 0) owners.delete(manager);
}

/** managedFields as the real API shows them (FieldsV1: `{"f:spec":{"f:replicas":{}}}`). */
export function managedFields(owners: Owners, apiVersion: string, time: string) {
  return [...owners].map(([manager, owned]) => {
    const fieldsV1: Obj = {};
    for (const path of owned.fields) {
      let node = fieldsV1;
      for (const key of path.slice(1).split('.')) node = (node[`f:${key}`] ??= {}) as Obj;
    }
    return {
      manager,
      operation: owned.operation,
      apiVersion,
      time,
      fieldsType: 'FieldsV1',
      fieldsV1,
    };
  });
}

function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value at a path, or undefined. */
export function getPath(object: unknown, path: FieldPath): unknown {
  let node = object;
  for (const key of path.slice(1).split('.')) node = isObj(node) ? node[key] : undefined;
  return node;
}

function setPath(object: Obj, path: FieldPath, value: unknown) {
  const keys = path.slice(1).split('.');
  let node = object;
  for (const key of keys.slice(0, -1)) {
    if (!isObj(node[key])) node[key] = {};
    node = node[key] as Obj;
  }
  node[keys[keys.length - 1]!] = value;
}

function unsetPath(object: Obj, path: FieldPath) {
  const keys = path.slice(1).split('.');
  const parent = getPath(object, `.${keys.slice(0, -1).join('.')}`);
  if (keys.length === 1) delete object[keys[0]!];
  else if (isObj(parent)) delete parent[keys[keys.length - 1]!];
}
