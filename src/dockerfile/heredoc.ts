// Finding here-documents (`<<EOF`, `<<-EOF`, `<<"EOF"`) on an instruction line.
import { lex } from './shell-lex.js';
import type { Heredoc } from './types.js';

const HEREDOC = /^(\d*)<<(-?)([^<]*)$/;
const unset = () => undefined;

/** Parses one word as a heredoc marker; undefined when it is not one. */
export function parseHeredoc(word: string): Heredoc | undefined {
  const match = HEREDOC.exec(word);
  if (match === null) return undefined;
  const rest = match[3] as string;
  if (rest === '') return undefined;
  const cooked = lex(rest, unset, { skipUnsetEnv: true }).words;
  if (cooked.length !== 1) return undefined;
  const raw = lex(rest, unset, { skipUnsetEnv: true, rawQuotes: true }).words;
  const name = cooked[0] as string;
  const quotes = (text: string) => text.split(/['"]/).length - 1;
  return {
    name,
    content: '',
    // Quotes that the lexer removed mean the delimiter was quoted: no expansion.
    expand: quotes(name) === quotes(raw[0] ?? ''),
    chomp: match[2] === '-',
    fileDescriptor: Number.parseInt(match[1] || '0', 10),
  };
}

/** Every heredoc marker of a line, in order. */
export function heredocsFromLine(line: string): Heredoc[] {
  let words: string[];
  try {
    words = lex(line, unset, { rawQuotes: true, rawEscapes: true }).words;
  } catch {
    return [];
  }
  return words.flatMap((word) => parseHeredoc(word) ?? []);
}

/** Removes leading tabs from every line (for `<<-`). */
export function chompHeredocContent(content: string): string {
  return content.replace(/^\t+/gm, '');
}
