// Which argument parser each instruction keyword uses (BuildKit's dispatch table).
import { type AstNode, valueNode } from './ast.js';
import {
  type Args,
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
function parseSubCommand(rest: string, escapeChar: string): Args {
  if (rest === '') return { next: [], json: false };
  const holder: AstNode = valueNode('');
  holder.children = [nodeFromLine(rest, escapeChar)];
  return { next: [holder], json: false };
}

/** Parses the arguments of one keyword; unknown keywords keep no arguments. */
export function dispatchLine(keyword: string, rest: string, escapeChar: string): Args {
  const parse = DISPATCH[keyword.toLowerCase()];
  return parse === undefined ? { next: [], json: false } : parse(rest, escapeChar);
}
