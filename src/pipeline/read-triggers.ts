import { isMap, isScalar, type Node } from 'yaml';
import type { BranchRules, EventTrigger, Triggers, Variables } from './model.js';
import type { Reader } from './reader.js';
import { child, entries } from './yaml-file.js';

// `triggers` and `variables`, the two top-level sections besides stages.

const BRANCH_KEYS = ['precise', 'prefix', 'include', 'regex', 'exclude'] as const;
const RESERVED = /^(GITEE_|GO_)/;

/** `triggers: {trigger, push, pr}`. */
export function readTriggers(reader: Reader, node: Node | null): Triggers | undefined {
  const map = reader.map(node, 'triggers');
  if (!map) return undefined;
  reader.keys(map, ['trigger', 'push', 'pr'], 'triggers');
  const triggerNode = child(map, 'trigger');
  const trigger =
    triggerNode === undefined
      ? 'auto'
      : reader.choice(triggerNode, ['auto', 'manual'] as const, 'triggers.trigger');
  const result: Triggers = { trigger: trigger ?? 'auto' };
  for (const event of ['push', 'pr'] as const) {
    const eventNode = child(map, event);
    if (eventNode !== undefined) result[event] = readEvent(reader, eventNode, event);
  }
  return result;
}

function readEvent(reader: Reader, node: Node | null, event: string): EventTrigger | undefined {
  const map = reader.map(node, `triggers.${event}`);
  if (!map) return undefined;
  reader.keys(map, ['branches', 'commitMessages'], `triggers.${event}`);
  const result: EventTrigger = { where: reader.at(map) };
  const branches = child(map, 'branches');
  if (branches !== undefined) result.branches = readBranches(reader, branches, event);
  const messages = child(map, 'commitMessages');
  if (messages !== undefined) {
    const rules = reader.map(messages, `triggers.${event}.commitMessages`);
    if (rules) {
      reader.keys(rules, ['include', 'exclude'], `triggers.${event}.commitMessages`);
      result.commitMessages = {
        include: patterns(reader, child(rules, 'include'), 'commitMessages.include'),
        exclude: patterns(reader, child(rules, 'exclude'), 'commitMessages.exclude'),
      };
    }
  }
  return result;
}

function readBranches(reader: Reader, node: Node | null, event: string): BranchRules | undefined {
  const what = `triggers.${event}.branches`;
  // An older short form: `branches: [master, dev]` means exact names.
  if (!isMap(node)) {
    const names = reader.strings(node, what);
    return names && { precise: names, prefix: [], include: [], regex: [], exclude: [] };
  }
  reader.keys(node, BRANCH_KEYS, what);
  const rules = { precise: [], prefix: [], include: [], regex: [], exclude: [] } as BranchRules;
  for (const key of BRANCH_KEYS) {
    const value = child(node, key);
    if (value === undefined) continue;
    const list =
      key === 'precise' || key === 'prefix' ? reader.strings(value, `${what}.${key}`) : undefined;
    rules[key] = list ?? patterns(reader, value, `${what}.${key}`);
  }
  return rules;
}

/** A list of regular expressions; each must compile. */
function patterns(reader: Reader, node: Node | null | undefined, what: string): string[] {
  if (node === undefined) return [];
  const list = reader.strings(node, what) ?? [];
  for (const pattern of list) {
    try {
      new RegExp(pattern);
    } catch (error) {
      reader.problem(
        node,
        `${what}: invalid regular expression ${pattern}: ${(error as Error).message}`,
      );
    }
  }
  return list;
}

/** `variables: {NAME: value, global: [NAME, ...]}`. */
export function readVariables(reader: Reader, node: Node | null | undefined): Variables {
  const variables: Variables = { values: new Map(), global: [] };
  if (node === undefined || node === null) return variables;
  const map = reader.map(node, 'variables');
  if (!map) return variables;
  for (const [name, value] of entries(map)) {
    const where = reader.yaml.keyAt(map, name);
    if (name === 'global') {
      const seq = reader.strings(value, 'variables.global') ?? [];
      const items = (
        isMap(value) ? [] : ((value as { items?: Node[] })?.items ?? [value])
      ) as Node[];
      seq.forEach((global, i) => {
        const at = reader.at(items[i] ?? value);
        checkName(reader, global, at);
        variables.global.push({ name: global, where: at });
      });
      continue;
    }
    checkName(reader, name, where);
    const text =
      isScalar(value) && value.value === null ? '' : reader.string(value, `variable ${name}`);
    if (text !== undefined) variables.values.set(name, { value: text, where });
  }
  return variables;
}

function checkName(reader: Reader, name: string, where: { file: string; line: number }): void {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    reader.problems.add(where, `variable name "${name}" must be letters, digits and _`);
  } else if (RESERVED.test(name)) {
    reader.problems.add(
      where,
      `variable name "${name}" is reserved: GITEE_ and GO_ belong to the system`,
    );
  }
}
