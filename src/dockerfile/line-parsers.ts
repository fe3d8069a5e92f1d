// How BuildKit splits the arguments of each instruction (parser/line_parsers.go):
// words, name=value pairs, JSON arrays with a shell-form fallback.
import { type AstNode, valueNode } from './ast.js';
import { isSpace, splitWhitespace, trimLeftSpace } from './chars.js';

/** A problem with an instruction's arguments; the parser adds the location. */
export class LineError extends Error {}

const NOT_STRING_ARRAY = 'when using JSON array syntax, arrays must be comprised of strings only';

/** Parsed arguments: the argument nodes and whether they were a JSON array. */
export interface Args {
  next: AstNode[];
  json: boolean;
}

const none: Args = { next: [], json: false };

/** Splits on whitespace keeping quotes and escapes (they are processed later). */
export function parseWords(rest: string, escapeChar: string): string[] {
  const words: string[] = [];
  const chars = Array.from(rest);
  let word = '';
  let phase: 'spaces' | 'word' | 'quote' = 'spaces';
  let quote = '';
  let blankOK = false;
  for (let pos = 0; pos <= chars.length; pos++) {
    const atEnd = pos === chars.length;
    let ch = chars[pos] ?? '';
    if (phase === 'spaces') {
      if (atEnd) break;
      if (isSpace(ch)) continue;
      phase = 'word';
    }
    if (atEnd) {
      if (blankOK || word.length > 0) words.push(word);
      break;
    }
    if (phase === 'word') {
      if (isSpace(ch)) {
        phase = 'spaces';
        if (blankOK || word.length > 0) words.push(word);
        word = '';
        blankOK = false;
        continue;
      }
      if (ch === "'" || ch === '"') {
        quote = ch;
        blankOK = true;
        phase = 'quote';
      }
      if (ch === escapeChar) {
        if (pos + 1 === chars.length) continue;
        // An escape outside quotes keeps itself and the next character, even a quote.
        word += ch;
        pos++;
        ch = chars[pos] as string;
      }
      word += ch;
      continue;
    }
    if (ch === quote) phase = 'word';
    if (ch === escapeChar && quote !== "'") {
      if (pos + 1 === chars.length) {
        phase = 'word';
        continue;
      }
      pos++;
      word += ch;
      ch = chars[pos] as string;
    }
    word += ch;
  }
  return words;
}

function keyValue(key: string, value: string, separator: string): AstNode[] {
  return [valueNode(key), valueNode(value), valueNode(separator)];
}

/** ENV and LABEL: `name value` (legacy) or `name=value ...`. */
export function parseNameVal(rest: string, keyword: string, escapeChar: string): Args {
  const words = parseWords(rest, escapeChar);
  if (words.length === 0) return none;
  if (!(words[0] as string).includes('=')) {
    const parts = splitWhitespace(rest, 2);
    if (parts.length < 2) throw new LineError(`${keyword} must have two arguments`);
    return { next: keyValue(parts[0] as string, parts[1] as string, ''), json: false };
  }
  const next: AstNode[] = [];
  for (const word of words) {
    const at = word.indexOf('=');
    if (at < 0) {
      throw new LineError(
        `Syntax error - can't find = in ${JSON.stringify(word)}. ` +
          'Must be of the form: name=value',
      );
    }
    next.push(...keyValue(word.slice(0, at), word.slice(at + 1), '='));
  }
  return { next, json: false };
}

/** ARG: `name`, `name=value`, several per line. */
export function parseNameOrNameVal(rest: string, escapeChar: string): Args {
  return { next: parseWords(rest, escapeChar).map(valueNode), json: false };
}

/** FROM, EXPOSE: whitespace-separated words, quotes not special. */
export function parseStringsWhitespaceDelimited(rest: string): Args {
  if (rest === '') return none;
  return { next: splitWhitespace(rest).map(valueNode), json: false };
}

/** USER, WORKDIR, MAINTAINER, STOPSIGNAL: the rest of the line as one word. */
export function parseString(rest: string): Args {
  return rest === '' ? none : { next: [valueNode(rest)], json: false };
}

/** A JSON array of strings, or undefined when the text is not a JSON array. */
function parseJSON(rest: string): Args | undefined {
  const text = trimLeftSpace(rest);
  if (!text.startsWith('[')) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed)) return undefined;
  for (const item of parsed) if (typeof item !== 'string') throw new LineError(NOT_STRING_ARRAY);
  return { next: (parsed as string[]).map(valueNode), json: true };
}

/** RUN, CMD, ENTRYPOINT, SHELL: a JSON array, else the whole text (shell form). */
export function parseMaybeJSON(rest: string): Args {
  if (rest === '') return none;
  return parseJSON(rest) ?? { next: [valueNode(rest)], json: false };
}

/** COPY, ADD, VOLUME: a JSON array, else whitespace-separated words. */
export function parseMaybeJSONToList(rest: string): Args {
  return parseJSON(rest) ?? parseStringsWhitespaceDelimited(rest);
}

/** HEALTHCHECK: a type word (CMD, NONE) then a command in either form. */
export function parseHealthConfig(rest: string): Args {
  const chars = Array.from(rest);
  let sep = 0;
  while (sep < chars.length && !isSpace(chars[sep] as string)) sep++;
  let next = sep;
  while (next < chars.length && isSpace(chars[next] as string)) next++;
  if (sep === 0) return none;
  const command = parseMaybeJSON(chars.slice(next).join(''));
  return { next: [valueNode(chars.slice(0, sep).join('')), ...command.next], json: command.json };
}
