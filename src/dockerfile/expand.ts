// Word expansion for the builder: `$v`, `${v:-w}` and friends with BuildKit's rules.
import { type LexOptions, type Lookup, lex } from './shell-lex.js';

/** An environment to expand against: a lookup function or a name->value map. */
export type Environment = Lookup | ReadonlyMap<string, string> | Record<string, string>;

/** How to expand: the file's escape token, and whether unset names stay as written. */
export interface ExpandOptions {
  escapeToken?: '\\' | '`';
  /** Keep `$name` of unset variables literally (BuildKit does so for heredoc names). */
  keepUnset?: boolean;
}

/** An expansion and the variable names it used, found or not. */
export interface Expansion {
  value: string;
  /** Names that were defined and used. */
  used: string[];
  /** Names that were referenced but not defined. */
  undefined: string[];
}

function toLookup(env: Environment): Lookup {
  if (typeof env === 'function') return env;
  if (env instanceof Map) return (name) => env.get(name);
  const record = env as Record<string, string>;
  return (name) => (Object.hasOwn(record, name) ? record[name] : undefined);
}

function lexOptions(options: ExpandOptions): LexOptions {
  return { escapeToken: options.escapeToken ?? '\\', skipUnsetEnv: options.keepUnset ?? false };
}

/** Expands one word (quotes removed, variables replaced); throws ExpansionError. */
export function expandWord(word: string, env: Environment, options: ExpandOptions = {}): string {
  return lex(word, toLookup(env), lexOptions(options)).word;
}

/**
 * Expands the variables of a COPY or ADD here-document's body and nothing else:
 * its quotes and backslashes stay as written, as BuildKit writes the file.
 */
export function expandHeredoc(body: string, env: Environment, options: ExpandOptions = {}): string {
  const lexing = { ...lexOptions(options), rawQuotes: true, rawEscapes: true };
  return lex(body, toLookup(env), lexing).word;
}

/** Expands and splits into words, as for `EXPOSE $PORTS` or `FROM` arguments. */
export function expandWords(word: string, env: Environment, options: ExpandOptions = {}): string[] {
  return lex(word, toLookup(env), lexOptions(options)).words;
}

/** Like expandWord, also reporting which names were used and which were unset. */
export function expandWordWithMatches(
  word: string,
  env: Environment,
  options: ExpandOptions = {},
): Expansion {
  const result = lex(word, toLookup(env), lexOptions(options));
  return { value: result.word, used: [...result.matched], undefined: [...result.unmatched] };
}

export { ExpansionError } from './shell-errors.js';
