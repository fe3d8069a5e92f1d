// Parser directives (`# syntax=`, `# escape=`, `# check=`) at the top of a file.
import { LineError } from './line-parsers.js';
import type { Directives } from './types.js';

const DIRECTIVE = /^#[\t\n\f\r ]*([a-zA-Z][a-zA-Z0-9]*)[\t\n\f\r ]*=[\t\n\f\r ]*(.+?)[\t\n\f\r ]*$/;
const ALLOWED = new Set(['syntax', 'escape', 'check']);

/** Reads directives line by line until the first line that is not one. */
export class DirectiveParser {
  readonly directives: Directives = { escape: '\\' };
  private line = 0;
  private done = false;
  private readonly seen = new Set<string>();

  /** Feeds one line (newline and leading space removed); throws on a bad directive. */
  parseLine(text: string): void {
    this.line++;
    if (this.done) return;
    if (this.line === 1 && text.startsWith('#!')) return;
    const match = DIRECTIVE.exec(text);
    const name = match?.[1]?.toLowerCase();
    if (match === null || name === undefined || !ALLOWED.has(name)) {
      this.done = true;
      return;
    }
    if (this.seen.has(name)) throw new LineError(`only one ${name} parser directive can be used`);
    this.seen.add(name);
    const value = match[2] as string;
    if (name === 'escape') {
      if (value !== '`' && value !== '\\') {
        throw new LineError(`invalid escape token '${value}' does not match \` or \\`);
      }
      this.directives.escape = value;
    } else if (name === 'syntax') {
      this.directives.syntax = value;
    } else {
      this.directives.check = value;
    }
  }
}
