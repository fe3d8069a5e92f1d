// The raw Dockerfile parser, following BuildKit's parser.Parse line for line:
// directives, comments, continuation lines, heredoc bodies.
import { type Ast, type AstNode, valueNode } from './ast.js';
import { isSpace, trimLeftSpace, trimSpace } from './chars.js';
import { DirectiveParser } from './directives.js';
import { DockerfileError } from './errors.js';
import { heredocsFromLine } from './heredoc.js';
import { dispatchLine } from './line-dispatch.js';
import { type Args, LineError } from './line-parsers.js';
import type { Directives, Warning } from './types.js';

/** The raw parse with the directives and the parser's own warnings. */
export interface RawParse {
  ast: Ast;
  directives: Directives;
  warnings: Warning[];
}

const HEREDOC_KEYWORDS = new Set(['add', 'copy', 'run']);

/** Splits into lines, each keeping its `\n` as bufio.Scanner with ScanLines+ does. */
function splitLines(text: string): string[] {
  const lines: string[] = [];
  let start = 0;
  while (start < text.length) {
    const end = text.indexOf('\n', start);
    const stop = end < 0 ? text.length : end + 1;
    lines.push(text.slice(start, stop));
    start = stop;
  }
  return lines;
}

const trimNewline = (line: string) => line.replace(/[\r\n]+$/, '');
const isComment = (line: string) => trimLeftSpace(line).startsWith('#');

/** Removes a trailing escape (plus spaces/tabs); false when the line does not continue. */
function trimContinuation(line: string, escapeChar: string): [string, boolean] {
  let end = line.length;
  while (end > 0 && (line[end - 1] === ' ' || line[end - 1] === '\t')) end--;
  let escapes = 0;
  while (escapes < end && line[end - 1 - escapes] === escapeChar) escapes++;
  // An even run is escaped escapes (`C:\\`), not a continuation.
  if (escapes % 2 === 1) return [line.slice(0, end - 1), false];
  return [line, true];
}

/** Splits `KEYWORD --flags args` into its parts (BuildKit's splitCommand). */
function splitCommand(line: string): { keyword: string; flags: string[]; rest: string } {
  const trimmed = trimSpace(line);
  const match = /[\t\v\f\r ]+/.exec(trimmed);
  if (match === null) return { keyword: trimmed, flags: [], rest: '' };
  const { rest, flags } = extractFlags(trimmed.slice(match.index + match[0].length));
  return { keyword: trimmed.slice(0, match.index), flags, rest: trimSpace(rest) };
}

/** Builds the node of one logical line; also used for ONBUILD's trigger. */
export function nodeFromLine(line: string, escapeChar: string): AstNode {
  const { keyword, flags, rest } = splitCommand(line);
  const args: Args = dispatchLine(keyword, rest, escapeChar);
  const node = valueNode(keyword);
  node.original = line;
  node.flags = flags;
  node.next = args.next;
  node.json = args.json;
  return node;
}

function canContainHeredoc(node: AstNode): boolean {
  let target = node;
  if (node.value.toLowerCase() === 'onbuild') {
    const child = node.next[0]?.children[0];
    if (child !== undefined) target = child;
  }
  return HEREDOC_KEYWORDS.has(target.value.toLowerCase()) && !target.json;
}

/** Parses Dockerfile text into BuildKit's AST; errors name the file and line. */
export function parseAst(source: string, file: string): RawParse {
  const lines = splitLines(source.startsWith('\ufeff') ? source.slice(1) : source);
  const directiveParser = new DirectiveParser();
  const warnings: Warning[] = [];
  const children: AstNode[] = [];
  const fail = (message: string, line: number, column = 1): never => {
    throw new DockerfileError(message, { file, line, column, endLine: line });
  };
  const processLine = (raw: string, lineNo: number, stripLeft: boolean): string => {
    let token = trimNewline(raw);
    if (stripLeft) token = trimLeftSpace(token);
    try {
      directiveParser.parseLine(token);
    } catch (error) {
      if (error instanceof LineError) fail(error.message, lineNo);
      throw error;
    }
    return isComment(token) ? '' : token;
  };
  let comments: string[] = [];
  let index = 0;
  while (index < lines.length) {
    const raw = lines[index] as string;
    const startLine = ++index;
    const first = trimNewline(raw);
    if (isComment(first)) {
      const comment = trimSpace(trimLeftSpace(first).slice(1));
      // Push, not spread: a file of many comments must stay linear.
      if (comment === '') comments = [];
      else comments.push(comment);
    }
    const processed = processLine(raw, startLine, true);
    const escapeChar = directiveParser.directives.escape;
    const column = first.length - trimLeftSpace(first).length + 1;
    let [line, ended] = trimContinuation(processed, escapeChar);
    if (ended && line === '') continue;
    let emptyContinuation = false;
    const parts = [line];
    while (!ended && index < lines.length) {
      const next = lines[index] as string;
      index++;
      const text = processLine(next, index, false);
      if (isComment(next)) continue;
      if (trimLeftSpace(trimNewline(text)) === '') {
        emptyContinuation = true;
        continue;
      }
      let part: string;
      [part, ended] = trimContinuation(text, escapeChar);
      parts.push(part);
    }
    line = parts.join('');
    if (emptyContinuation) {
      warnings.push({
        rule: 'NoEmptyContinuation',
        message: `Empty continuation line found in: ${line}`,
        location: { file, line: index, column: 1, endLine: index },
        fix: 'remove the empty line or end the instruction before it',
        url: 'https://docs.docker.com/go/dockerfile/rule/no-empty-continuation/',
      });
    }
    let node: AstNode;
    try {
      node = nodeFromLine(line, escapeChar);
    } catch (error) {
      if (error instanceof LineError) fail(error.message, startLine, column);
      throw error;
    }
    node.column = column;
    node.comments = comments;
    if (canContainHeredoc(node) && line.includes('<<')) {
      for (const heredoc of heredocsMarkers(line, startLine, column, fail)) {
        let terminated = false;
        const body: string[] = [];
        while (index < lines.length) {
          const bodyLine = lines[index] as string;
          index++;
          let candidate = trimNewline(bodyLine);
          if (heredoc.chomp) candidate = candidate.replace(/^\t+/, '');
          if (candidate === heredoc.name) {
            terminated = true;
            break;
          }
          body.push(bodyLine);
        }
        if (!terminated) {
          fail(`unterminated heredoc ${heredoc.name}`, startLine, markerColumn(raw, heredoc.name));
        }
        node.heredocs.push({ ...heredoc, content: body.join('') });
      }
    }
    node.startLine = startLine;
    node.endLine = index;
    children.push(node);
    comments = [];
  }
  if (children.length === 0) fail('file with no instructions', Math.max(lines.length, 1));
  const escapeToken = directiveParser.directives.escape;
  return { ast: { children, escapeToken }, directives: directiveParser.directives, warnings };
}

function heredocsMarkers(
  line: string,
  startLine: number,
  column: number,
  fail: (message: string, line: number, column?: number) => never,
) {
  try {
    return heredocsFromLine(line);
  } catch (error) {
    return fail(`invalid heredoc: ${(error as Error).message}`, startLine, column);
  }
}

function markerColumn(line: string, name: string): number {
  const at = line.indexOf(`<<`);
  const named = line.indexOf(name, at);
  return (at >= 0 ? at : Math.max(named, 0)) + 1;
}

/** BuildKit's extractBuilderFlags: leading `--name[=value]` words before the arguments. */
export function extractFlags(line: string): { rest: string; flags: string[] } {
  const flags: string[] = [];
  // Most lines have no flags: skip the character walk.
  const start = line.search(/\S/);
  if (start < 0 || !line.startsWith('--', start))
    return { rest: start < 0 ? '' : line.slice(start), flags };
  const chars = Array.from(line);
  let phase: 'spaces' | 'word' | 'quote' = 'spaces';
  let word = '';
  let quote = '';
  let blankOK = false;
  for (let pos = 0; pos <= chars.length; pos++) {
    const atEnd = pos === chars.length;
    let ch = chars[pos] ?? '';
    if (phase === 'spaces') {
      if (atEnd) break;
      if (isSpace(ch)) continue;
      if (ch !== '-' || chars[pos + 1] !== '-') return { rest: chars.slice(pos).join(''), flags };
      phase = 'word';
    }
    if (atEnd) {
      if (word !== '--' && (blankOK || word.length > 0)) flags.push(word);
      break;
    }
    if (phase === 'word') {
      if (isSpace(ch)) {
        phase = 'spaces';
        if (word === '--') return { rest: chars.slice(pos).join(''), flags };
        if (blankOK || word.length > 0) flags.push(word);
        word = '';
        blankOK = false;
        continue;
      }
      if (ch === "'" || ch === '"') {
        quote = ch;
        blankOK = true;
        phase = 'quote';
        continue;
      }
      if (ch === '\\') {
        if (pos + 1 === chars.length) continue;
        pos++;
        ch = chars[pos] as string;
      }
      word += ch;
      continue;
    }
    if (ch === quote) {
      phase = 'word';
      continue;
    }
    if (ch === '\\') {
      if (pos + 1 === chars.length) {
        phase = 'word';
        continue;
      }
      pos++;
      ch = chars[pos] as string;
    }
    word += ch;
  }
  return { rest: '', flags };
}
