import { isMap, isScalar, type Node, type YAMLMap } from 'yaml';
import { COMMON_STEP_KEYS, GITEE_STEP_KINDS, type StepNode } from './model.js';
import type { Reader } from './reader.js';
import { didYouMean } from './suggest.js';
import { child, entries } from './yaml-file.js';

/** What the loader knows of a step kind: the keys it accepts. */
export interface KindInfo {
  keys: readonly string[];
}

/** One step of a stage; undefined when it is too broken to keep. */
export function readStep(
  reader: Reader,
  node: Node | null,
  kinds: ReadonlyMap<string, KindInfo>,
): StepNode | undefined {
  const map = reader.map(node, 'a step');
  if (!map) return undefined;
  const kindNode = child(map, 'step');
  if (kindNode === undefined) return reader.problem(map, 'a step needs "step: <kind>@<tool>"');
  const kind = reader.string(kindNode, 'step');
  const nameNode = child(map, 'name');
  if (nameNode === undefined) return reader.problem(map, 'a step needs a "name"');
  const name = reader.string(nameNode, 'step name');
  if (kind === undefined || name === undefined) return undefined;

  checkKind(reader, map, kind, kindNode, kinds);
  const info = kinds.get(kind);
  if (info) reader.keys(map, [...COMMON_STEP_KEYS, ...info.keys], `step ${kind}`);

  const fields: Record<string, unknown> = {};
  for (const [key, value] of entries(map)) {
    if (!(COMMON_STEP_KEYS as readonly string[]).includes(key)) {
      fields[key] = value === null ? null : value.toJSON();
    }
  }
  const displayNode = child(map, 'displayName');
  const dependsNode = child(map, 'dependsOn');
  const cachesNode = child(map, 'caches');
  const notifyNode = child(map, 'notify');
  return {
    step: kind,
    name,
    displayName: displayNode ? reader.string(displayNode, 'displayName') : undefined,
    dependsOn: dependsNode === undefined ? [] : (reader.strings(dependsNode, 'dependsOn') ?? []),
    strategy: readStepStrategy(reader, child(map, 'strategy')),
    caches: cachesNode === undefined ? [] : (reader.strings(cachesNode, 'caches') ?? []),
    notify: notifyNode ? ((notifyNode.toJSON() as unknown[] | null) ?? []) : [],
    fields,
    node: map,
    where: reader.at(map),
    locate: (key) => {
      const where = reader.yaml.valueAt(map, key);
      return { file: where.file, line: where.line, column: where.column ?? 1 };
    },
  };
}

function checkKind(
  reader: Reader,
  map: YAMLMap,
  kind: string,
  kindNode: Node | null,
  kinds: ReadonlyMap<string, KindInfo>,
): void {
  if (kinds.has(kind) || (GITEE_STEP_KINDS as readonly string[]).includes(kind)) return;
  const known = new Set<string>([...kinds.keys(), ...GITEE_STEP_KINDS]);
  const hint = didYouMean(kind, known);
  const shape = /^[a-z]+@[a-z_]+$/.test(kind) ? '' : ' (a step kind looks like build@maven)';
  reader.problem(kindNode ?? map, `unknown step kind "${kind}"${shape}${hint}`);
}

function readStepStrategy(reader: Reader, node: Node | null | undefined) {
  const strategy: StepNode['strategy'] = { retry: 0 };
  if (node === undefined || node === null) return strategy;
  if (isScalar(node) && node.value === null) return strategy;
  const map = reader.map(node, 'step strategy');
  if (!map || !isMap(map)) return strategy;
  reader.keys(map, ['retry', 'timeout'], 'step strategy');
  const retry = child(map, 'retry');
  if (retry !== undefined) strategy.retry = reader.integer(retry, 'strategy.retry', 10) ?? 0;
  const timeout = child(map, 'timeout');
  if (timeout !== undefined) strategy.timeoutMs = reader.duration(timeout, 'strategy.timeout');
  return strategy;
}
