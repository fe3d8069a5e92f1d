// Which argument parser each instruction keyword uses (BuildKit's dispatch table).
import { type AstNode, valueNode } from './ast.js';
import {
  type Args,
  LineError,
  parseHealthConfig,
  parseMaybeJSON,
  parseMaybeJSONToList,
  parseNameOrNameVal,
  parseNameVal,
  parseString,
  parseStringsWhitespaceDelimited,
} from './line-parsers.js';
import { nodeFromLine } from './parser.js';

type LineParser = (rest: string, escapeChar: string) => Args;

const DISPATCH: Record<string, LineParser> = {
  add: parseMaybeJSONToList,
  arg: parseNameOrNameVal,
  cmd: parseMaybeJSON,
  copy: parseMaybeJSONToList,
  entrypoint: parseMaybeJSON,
  env: (rest, escapeChar) => parseNameVal(rest, 'ENV', escapeChar),
  expose: parseStringsWhitespaceDelimited,
  from: parseStringsWhitespaceDelimited,
  healthcheck: parseHealthConfig,
  label: (rest, escapeChar) => parseNameVal(rest, 'LABEL', escapeChar),
  maintainer: parseString,
  onbuild: parseSubCommand,
  run: parseMaybeJSON,
  shell: parseMaybeJSON,
  stopsignal: parseString,
  user: parseString,
  volume: parseMaybeJSONToList,
  workdir: parseString,
};

/** Every instruction keyword BuildKit knows, lower case. */
export const KEYWORDS = Object.keys(DISPATCH);

// ONBUILD RUN x -> (onbuild (run "x")): the trigger is a nested node.
let nesting = 0;
const MAX_NESTING = 64;

function parseSubCommand(rest: string, escapeChar: string): Args {
  if (rest === '') return { next: [], json: false };
  const holder: AstNode = valueNode('');
  // `ONBUILD ONBUILD ...` recurses; a bound keeps a hostile line from overflowing the stack.
  if (++nesting > MAX_NESTING) {
    nesting = 0;
    throw new LineError(`ONBUILD nested more than ${MAX_NESTING} times`);
  }
  try {
    holder.children = [nodeFromLine(rest, escapeChar)];
  } finally {
    nesting = Math.max(0, nesting - 1);
  }
  return { next: [holder], json: false };
}

/** Parses the arguments of one keyword; unknown keywords keep no arguments. */
export function dispatchLine(keyword: string, rest: string, escapeChar: string): Args {
  const parse = DISPATCH[keyword.toLowerCase()];
  return parse === undefined ? { next: [], json: false } : parse(rest, escapeChar);
}
