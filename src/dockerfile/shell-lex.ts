// BuildKit's shell lexer: word splitting and `$var` expansion with the quote
// and escape rules of the Dockerfile frontend (a subset of POSIX sh).
import { ExpansionError } from './shell-errors.js';
import { shellPatternToRegex } from './shell-pattern.js';

/** Looks up a variable; undefined means unset. */
export type Lookup = (name: string) => string | undefined;

/** How the lexer treats quotes, escapes and unset variables. */
export interface LexOptions {
  /** The escape character: `\` unless `# escape=` chose the backtick. */
  escapeToken?: string;
  /** Keep quote characters in the output. */
  rawQuotes?: boolean;
  /** Keep escape characters in the output. */
  rawEscapes?: boolean;
  /** Leave references to unset variables as written. */
  skipUnsetEnv?: boolean;
}

/** The result of a lexer run: the joined word, the split words, names seen. */
export interface LexResult {
  word: string;
  words: string[];
  matched: Set<string>;
  unmatched: Set<string>;
}

export { ExpansionError };

const SPECIAL = new Set(['@', '*', '#', '?', '-', '$', '!', '0']);
const isSpace = (ch: string) => /^\s$/u.test(ch);
const isDigit = (ch: string) => /^\p{Nd}$/u.test(ch);
const isNameChar = (ch: string) => /^[\p{L}\p{Nd}_]$/u.test(ch);

class Words {
  word = '';
  words: string[] = [];
  inWord = false;

  addChar(ch: string): void {
    if (isSpace(ch)) {
      if (this.inWord && this.word.length > 0) {
        this.words.push(this.word);
        this.word = '';
        this.inWord = false;
      }
      return;
    }
    this.addRawChar(ch);
  }

  addRawChar(ch: string): void {
    this.word += ch;
    this.inWord = true;
  }

  addString(text: string): void {
    for (const ch of text) this.addChar(ch);
  }

  addRawString(text: string): void {
    this.word += text;
    this.inWord = true;
  }

  finish(): string[] {
    if (this.word.length > 0) {
      this.words.push(this.word);
      this.word = '';
      this.inWord = false;
    }
    return this.words;
  }
}

/** Runs the lexer over one source string. */
export function lex(source: string, lookup: Lookup, options: LexOptions = {}): LexResult {
  const lexer = new ShellLexer(source, lookup, options);
  try {
    const { word, words } = lexer.processStopOn([], false);
    return { word, words, matched: lexer.matched, unmatched: lexer.unmatched };
  } catch (error) {
    if (error instanceof ExpansionError) {
      throw new ExpansionError(`failed to process "${source}": ${error.message}`);
    }
    throw error;
  }
}

class ShellLexer {
  private readonly chars: string[];
  private pos = 0;
  private readonly escapeChar: string;
  readonly matched = new Set<string>();
  readonly unmatched = new Set<string>();

  constructor(
    source: string,
    private readonly lookup: Lookup,
    private readonly options: LexOptions,
  ) {
    this.chars = Array.from(source);
    this.escapeChar = options.escapeToken ?? '\\';
  }

  private peek(): string | undefined {
    return this.chars[this.pos];
  }

  private next(): string | undefined {
    const ch = this.chars[this.pos];
    if (ch !== undefined) this.pos++;
    return ch;
  }

  processStopOn(stops: string[], rawEscapes: boolean): { word: string; words: string[] } {
    let result = '';
    const words = new Words();
    for (let ch = this.peek(); ch !== undefined; ch = this.peek()) {
      if (stops.includes(ch)) {
        this.next();
        return { word: result, words: words.finish() };
      }
      if (ch === "'" || ch === '"' || ch === '$') {
        const text =
          ch === "'" ? this.singleQuote() : ch === '"' ? this.doubleQuote() : this.dollar();
        result += text;
        if (ch === '$') words.addString(text);
        else words.addRawString(text);
        continue;
      }
      let c = this.next() as string;
      if (c === this.escapeChar) {
        if (this.options.rawEscapes || rawEscapes) {
          words.addRawChar(c);
          result += c;
        }
        const escaped = this.next();
        if (escaped === undefined) break;
        c = escaped;
        words.addRawChar(c);
      } else {
        words.addChar(c);
      }
      result += c;
    }
    if (stops.length > 0) {
      throw new ExpansionError(
        `unexpected end of statement while looking for matching ${stops.join('')}`,
      );
    }
    return { word: result, words: words.finish() };
  }

  private singleQuote(): string {
    const raw = this.options.rawQuotes === true;
    const open = this.next() as string;
    let result = raw ? open : '';
    for (;;) {
      const ch = this.next();
      if (ch === undefined) {
        throw new ExpansionError(
          'unexpected end of statement while looking for matching single-quote',
        );
      }
      if (ch === "'") return raw ? result + ch : result;
      result += ch;
    }
  }

  private doubleQuote(): string {
    const raw = this.options.rawQuotes === true;
    const open = this.next() as string;
    let result = raw ? open : '';
    for (;;) {
      const peeked = this.peek();
      if (peeked === undefined) {
        throw new ExpansionError(
          'unexpected end of statement while looking for matching double-quote',
        );
      }
      if (peeked === '"') {
        this.next();
        return raw ? `${result}"` : result;
      }
      if (peeked === '$') {
        result += this.dollar();
        continue;
      }
      let ch = this.next() as string;
      if (ch === this.escapeChar) {
        if (this.options.rawEscapes) result += ch;
        const after = this.peek();
        if (after === undefined) continue;
        if (after === '"' || after === '$' || after === this.escapeChar) ch = this.next() as string;
      }
      result += ch;
    }
  }

  private getEnv(name: string): string | undefined {
    const value = this.lookup(name);
    if (value === undefined) this.unmatched.add(name);
    else this.matched.add(name);
    return value;
  }

  private name(): string {
    let name = '';
    for (let ch = this.peek(); ch !== undefined; ch = this.peek()) {
      if (name === '' && isDigit(ch)) {
        while (this.peek() !== undefined && isDigit(this.peek() as string)) name += this.next();
        return name;
      }
      if (name === '' && SPECIAL.has(ch)) return this.next() as string;
      if (!isNameChar(ch)) break;
      name += this.next();
    }
    return name;
  }

  private dollar(): string {
    this.next();
    if (this.peek() !== '{') {
      const name = this.name();
      if (name === '') return '$';
      const value = this.getEnv(name);
      if (value === undefined && this.options.skipUnsetEnv) return `$${name}`;
      return value ?? '';
    }
    this.next();
    const first = this.peek();
    if (first === undefined) throw new ExpansionError("syntax error: missing '}'");
    if (first === '{' || first === '}' || first === ':') {
      throw new ExpansionError('syntax error: bad substitution');
    }
    const name = this.name();
    let ch = this.next();
    if (ch === undefined) throw new ExpansionError("syntax error: missing '}'");
    if (ch === '}') {
      const value = this.getEnv(name);
      if (value === undefined && this.options.skipUnsetEnv) return `\${${name}}`;
      return value ?? '';
    }
    if (ch === '/') return this.replace(name);
    let modifier = ch;
    let nullIsUnset = false;
    if (ch === ':') {
      nullIsUnset = true;
      ch = this.next() ?? '';
      modifier += ch;
    }
    if (!['+', '-', '?', '#', '%'].includes(ch)) {
      throw new ExpansionError(`unsupported modifier (${modifier}) in substitution`);
    }
    const rawEscapes = ch === '#' || ch === '%';
    if (nullIsUnset && rawEscapes) {
      throw new ExpansionError(`unsupported modifier (${modifier}) in substitution`);
    }
    const word = this.untilBrace(['}'], rawEscapes);
    const value = this.getEnv(name);
    if (this.options.skipUnsetEnv && value === undefined) return `\${${name}${modifier}${word}}`;
    const unset = value === undefined || (nullIsUnset && value === '');
    switch (ch) {
      case '-':
        return unset ? word : (value as string);
      case '+':
        return unset ? '' : word;
      case '?':
        if (value === undefined) {
          throw new ExpansionError(`${name}: ${word || 'is not allowed to be unset'}`);
        }
        if (unset) throw new ExpansionError(`${name}: ${word || 'is not allowed to be empty'}`);
        return value;
      default:
        return trimPattern(ch, word, value ?? '');
    }
  }

  private untilBrace(stops: string[], rawEscapes: boolean): string {
    try {
      return this.processStopOn(stops, rawEscapes).word;
    } catch (error) {
      if (this.peek() === undefined && error instanceof ExpansionError) {
        throw new ExpansionError("syntax error: missing '}'");
      }
      throw error;
    }
  }

  private replace(name: string): string {
    const all = this.peek() === '/';
    if (all) this.next();
    const pattern = this.untilBrace(['/'], true);
    const replacement = this.untilBrace(['}'], true);
    const value = this.getEnv(name);
    if (this.options.skipUnsetEnv && value === undefined) {
      return `\${${name}/${all ? '/' : ''}${pattern}/${replacement}}`;
    }
    const re = shellPatternToRegex(pattern, true, false, all);
    return (value ?? '').replace(re, () => replacement);
  }
}

function trimPattern(op: string, word: string, value: string): string {
  const greedy = word.startsWith(op);
  const pattern = greedy ? word.slice(1) : word;
  if (op === '#') return trimPrefix(pattern, value, greedy);
  const reversed = trimPrefix(
    reversePattern(pattern),
    Array.from(value).reverse().join(''),
    greedy,
  );
  return Array.from(reversed).reverse().join('');
}

function trimPrefix(pattern: string, value: string, greedy: boolean): string {
  const match = shellPatternToRegex(pattern, greedy, true, false).exec(value);
  return match ? value.slice(match[0].length) : value;
}

// Reverses a pattern while keeping each `\x` escape pair in order.
function reversePattern(pattern: string): string {
  const units: string[] = [];
  const chars = Array.from(pattern);
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] as string;
    if (ch === '\\' && i + 1 < chars.length) {
      units.push(ch + chars[i + 1]);
      i++;
    } else {
      units.push(ch);
    }
  }
  return units.reverse().join('');
}
