import { isMap, isScalar, isSeq, type Node, type YAMLMap } from 'yaml';
import type { SourceLocation } from '../errors/index.js';
import type { Problems } from './problems.js';
import { didYouMean } from './suggest.js';
import { entries, type YamlFile } from './yaml-file.js';

// Typed reads of YAML nodes that record a problem (with its position) when a
// value has the wrong shape, and return undefined so the walk can go on.

/** Reads values from one file, reporting problems to one collector. */
export class Reader {
  constructor(
    readonly yaml: YamlFile,
    readonly problems: Problems,
  ) {}

  at(node: Node | null | undefined): SourceLocation {
    return this.yaml.at(node);
  }

  problem(node: Node | null | undefined, message: string): undefined {
    this.problems.add(this.at(node), message);
    return undefined;
  }

  map(node: Node | null | undefined, what: string): YAMLMap | undefined {
    if (isMap(node)) return node;
    return this.problem(node, `${what} must be a mapping`);
  }

  /** Report every key not in `allowed`, with a suggestion. */
  keys(map: YAMLMap, allowed: readonly string[], what: string): void {
    for (const [key] of entries(map)) {
      if (allowed.includes(key)) continue;
      const hint = didYouMean(key, allowed);
      this.problems.add(this.yaml.keyAt(map, key), `unknown key "${key}" in ${what}${hint}`);
    }
  }

  /** A scalar as a string; numbers and booleans become their text. */
  string(node: Node | null | undefined, what: string): string | undefined {
    if (isScalar(node) && node.value !== null && typeof node.value !== 'object') {
      return String(node.value);
    }
    return this.problem(node, `${what} must be a string`);
  }

  /** A string or a list of strings (`dependsOn: a` or `dependsOn: [a, b]`). */
  strings(node: Node | null | undefined, what: string): string[] | undefined {
    if (node === null || (isScalar(node) && node.value === null)) return [];
    if (isSeq(node)) {
      const out: string[] = [];
      for (const item of node.items as Node[]) {
        const text = this.string(item, `each item of ${what}`);
        if (text !== undefined) out.push(text);
      }
      return out;
    }
    const single = this.string(node, `${what} (a string or a list of strings)`);
    return single === undefined ? undefined : [single];
  }

  boolean(node: Node | null | undefined, what: string): boolean | undefined {
    if (isScalar(node)) {
      if (typeof node.value === 'boolean') return node.value;
      if (node.value === 'true' || node.value === 'false') return node.value === 'true';
    }
    return this.problem(node, `${what} must be true or false`);
  }

  /** One of a fixed set of words. */
  choice<T extends string>(node: Node | null | undefined, options: readonly T[], what: string) {
    const text = isScalar(node) ? String(node.value) : undefined;
    if (text !== undefined && (options as readonly string[]).includes(text)) return text as T;
    const hint = text === undefined ? '' : didYouMean(text, options);
    return this.problem(node, `${what} must be one of ${options.join(', ')}${hint}`);
  }

  /** A whole number, also written as a string (`retry: '0'`). */
  integer(node: Node | null | undefined, what: string, max: number): number | undefined {
    const text = isScalar(node) ? String(node.value).trim() : '';
    if (/^\d+$/.test(text) && Number(text) <= max) return Number(text);
    return this.problem(node, `${what} must be a whole number from 0 to ${max}`);
  }

  /** A duration: a number of minutes, or a number with a unit (`90s`, `10m`, `1h`). */
  duration(node: Node | null | undefined, what: string): number | undefined {
    const text = isScalar(node) ? String(node.value).trim() : '';
    const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/.exec(text);
    if (match && Number(match[1]) > 0) {
      const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] ?? 'm'] ?? 60_000;
      return Math.round(Number(match[1]) * unit);
    }
    return this.problem(node, `${what} must be minutes (30) or a duration (90s, 10m, 1h)`);
  }
}
