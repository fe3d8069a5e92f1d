// BuildKit's Node.Dump(): the s-expression form of the raw parse used by its test files.
import type { Ast, AstNode } from './ast.js';

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;
const NAMED: Record<string, string> = {
  '\x07': '\\a',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\v': '\\v',
};

/** Go's strconv.Quote. */
export function goQuote(text: string): string {
  let out = '"';
  for (const ch of text) {
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (PRINTABLE.test(ch)) out += ch;
    else if (NAMED[ch] !== undefined) out += NAMED[ch];
    else {
      const code = ch.codePointAt(0) as number;
      if (code < 0x20 || code === 0x7f) out += `\\x${hex(code, 2)}`;
      else if (code < 0x10000) out += `\\u${hex(code, 4)}`;
      else out += `\\U${hex(code, 8)}`;
    }
  }
  return `${out}"`;
}

const hex = (code: number, width: number) => code.toString(16).padStart(width, '0');

function dumpNode(node: AstNode): string {
  let text = node.value.toLowerCase();
  if (node.flags.length > 0) text += ` [${node.flags.map(goQuote).join(' ')}]`;
  for (const child of node.children) text += `(${dumpNode(child)})\n`;
  for (const arg of node.next) {
    text += ` ${arg.children.length > 0 ? dumpNode(arg) : goQuote(arg.value)}`;
  }
  return text.trim();
}

/** The dump of a whole file, one `(instruction ...)` per line, newline-terminated. */
export function dumpAst(ast: Ast): string {
  return `${ast.children.map((child) => `(${dumpNode(child)})`).join('\n')}\n`;
}
