import { isMap, isPair, isScalar, LineCounter, type Node, parseDocument, type YAMLMap } from 'yaml';
import { InputError, type SourceLocation } from '../errors/index.js';

// A YAML file parsed with node positions kept, so that every error about a
// key or value can point at its file, line and column.

/** A parsed YAML document that can say where any of its nodes is. */
export class YamlFile {
  private readonly lines = new LineCounter();
  readonly root: Node | null;

  constructor(
    readonly file: string,
    text: string,
  ) {
    const doc = parseDocument(text, { lineCounter: this.lines, uniqueKeys: true });
    const [first] = doc.errors;
    if (first) {
      const [line, column] = first.linePos?.[0]
        ? [first.linePos[0].line, first.linePos[0].col]
        : [1, 1];
      const message = (first.message.split('\n')[0] ?? '').replace(
        / at line \d+, column \d+:?$/,
        '',
      );
      throw new InputError('PIPELINE_SYNTAX', `invalid YAML: ${message}`, {
        location: { file, line, column },
      });
    }
    this.root = doc.contents as Node | null;
  }

  /** Where a node starts; the top of the file for nodes without a range. */
  at(node: Node | null | undefined): SourceLocation {
    const offset = node?.range?.[0];
    if (offset === undefined) return { file: this.file, line: 1, column: 1 };
    const { line, col } = this.lines.linePos(offset);
    return { file: this.file, line, column: col };
  }

  /** Where the key of `key` sits in `map` (or the map itself). */
  keyAt(map: YAMLMap, key: string): SourceLocation {
    const pair = map.items.find((item) => isPair(item) && keyName(item.key) === key);
    return this.at((pair?.key as Node | undefined) ?? map);
  }

  /** Where the value of `key` sits in `map` (or its key, or the map). */
  valueAt(map: YAMLMap, key: string): SourceLocation {
    const pair = map.items.find((item) => isPair(item) && keyName(item.key) === key);
    const value = pair?.value as Node | null | undefined;
    return value ? this.at(value) : this.keyAt(map, key);
  }
}

/** The text of a map key; YAML allows non-string keys, pipelines do not use them. */
export function keyName(key: unknown): string {
  if (isScalar(key)) return String(key.value);
  return String(key);
}

/** The pairs of a map as [key, value node]. */
export function entries(map: YAMLMap): Array<[string, Node | null]> {
  return map.items.map((pair) => [keyName(pair.key), (pair.value as Node | null) ?? null]);
}

/** A map's value node for `key`. */
export function child(map: YAMLMap, key: string): Node | null | undefined {
  const pair = map.items.find((item) => keyName(item.key) === key);
  return pair ? ((pair.value as Node | null) ?? null) : undefined;
}

export { isMap };
