// Typed instructions from the raw parse (BuildKit's instructions.ParseInstruction).
import type { AstNode } from './ast.js';
import { DockerfileError, didYouMean } from './errors.js';
import { parseFlags } from './flags.js';
import { parseAddCopy, parseHealthcheck, parseRun, shellOrExec } from './instructions-exec.js';
import { KEYWORDS } from './line-dispatch.js';
import { LineError } from './line-parsers.js';
import type { FromInstruction, Instruction, KeyValue, Location } from './types.js';

/** What a converter gets: the node, its arguments as strings, where it is. */
export interface Request {
  node: AstNode;
  args: string[];
  location: Location;
  original: string;
  keyword: string;
}

const STAGE_NAME = /^[a-z][a-z0-9-_.]*$/;
const ONBUILD_PREFIX = /^\s*onbuild\s*/i;

/** The location of a raw node in a file. */
export function locationOf(node: AstNode, file: string): Location {
  return { file, line: node.startLine, column: node.column, endLine: node.endLine };
}

function argsOf(node: AstNode): string[] {
  return node.next.flatMap((arg) => {
    const child = arg.children[0];
    return child === undefined ? [arg.value] : [child.value];
  });
}

const base = <K extends string>(kind: K, req: Request, flags = req.node.flags) => ({
  kind,
  location: req.location,
  original: req.original,
  flags,
});

function atLeast(req: Request, count: number): void {
  if (req.args.length >= count) return;
  if (count === 1) throw new LineError(`${req.keyword} requires at least one argument`);
  throw new LineError(`${req.keyword} requires at least ${count} arguments`);
}

function exactlyOne(req: Request): string {
  if (req.args.length !== 1) throw new LineError(`${req.keyword} requires exactly one argument`);
  return req.args[0] as string;
}

function noFlags(req: Request): void {
  parseFlags(req.node.flags, {});
}

function pairs(req: Request): KeyValue[] {
  atLeast(req, 1);
  if (req.args.length % 3 !== 0) {
    throw new LineError(`Bad input to ${req.keyword}, too many arguments`);
  }
  const result: KeyValue[] = [];
  for (let i = 0; i < req.args.length; i += 3) {
    const key = req.args[i] as string;
    if (key === '') throw new LineError(`${req.keyword} names can not be blank`);
    result.push({ key, value: req.args[i + 1] as string });
  }
  return result;
}

/** Parses FROM; it opens a stage and is not an Instruction of one. */
export function parseFrom(req: Request): FromInstruction {
  const flags = parseFlags(req.node.flags, { platform: 'string' });
  if (req.args.length !== 1 && req.args.length !== 3) {
    throw new LineError('FROM requires either one or three arguments');
  }
  let stageName: string | undefined;
  if (req.args.length === 3) {
    if ((req.args[1] as string).toLowerCase() !== 'as') {
      throw new LineError('when using FROM with 3 arguments, the second argument must be "AS"');
    }
    stageName = (req.args[2] as string).toLowerCase();
    if (!STAGE_NAME.test(stageName)) {
      throw new LineError(
        `invalid name for build stage: "${req.args[2]}", ` +
          "name can't start with a number or contain symbols",
      );
    }
  }
  const from: FromInstruction = { ...base('FROM', req), image: req.args[0] as string };
  const platform = flags.strings.get('platform');
  if (platform !== undefined) from.platform = platform;
  if (stageName !== undefined) from.stageName = stageName;
  return from;
}

function parseOnbuild(req: Request, file: string): Instruction {
  noFlags(req);
  atLeast(req, 1);
  const trigger = (req.args[0] as string).trim().toUpperCase();
  if (trigger === 'ONBUILD') {
    throw new LineError("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
  }
  if (trigger === 'FROM' || trigger === 'MAINTAINER') {
    throw new LineError(`${trigger} isn't allowed as an ONBUILD trigger`);
  }
  const child = req.node.next[0]?.children[0] as AstNode;
  const inner = { ...child, startLine: req.node.startLine, endLine: req.node.endLine };
  inner.column = req.node.column;
  const parsed = parseInstruction(inner, file);
  if (parsed.kind === 'FROM') throw new LineError("FROM isn't allowed as an ONBUILD trigger");
  return {
    ...base('ONBUILD', req),
    expression: req.original.replace(ONBUILD_PREFIX, ''),
    trigger: parsed,
  };
}

function convert(req: Request, file: string): Instruction | FromInstruction {
  switch (req.keyword) {
    case 'FROM':
      return parseFrom(req);
    case 'RUN':
      return parseRun(req);
    case 'CMD':
    case 'ENTRYPOINT':
      noFlags(req);
      return { ...base(req.keyword, req), command: shellOrExec(req) };
    case 'SHELL':
      noFlags(req);
      atLeast(req, 1);
      if (!req.node.json) throw new LineError('SHELL requires the arguments to be in JSON form');
      return { ...base('SHELL', req), shell: req.args };
    case 'ENV':
      noFlags(req);
      return { ...base('ENV', req), env: pairs(req) };
    case 'LABEL':
      noFlags(req);
      return { ...base('LABEL', req), labels: pairs(req) };
    case 'MAINTAINER':
      noFlags(req);
      return { ...base('MAINTAINER', req), maintainer: exactlyOne(req) };
    case 'EXPOSE':
      noFlags(req);
      atLeast(req, 1);
      return { ...base('EXPOSE', req), ports: req.args };
    case 'COPY':
    case 'ADD':
      return parseAddCopy(req);
    case 'VOLUME':
      noFlags(req);
      atLeast(req, 1);
      if (req.args.some((path) => path.trim() === '')) {
        throw new LineError('VOLUME specified can not be an empty string');
      }
      return { ...base('VOLUME', req), volumes: req.args };
    case 'USER':
      noFlags(req);
      return { ...base('USER', req), user: exactlyOne(req) };
    case 'WORKDIR':
      noFlags(req);
      return { ...base('WORKDIR', req), path: exactlyOne(req) };
    case 'STOPSIGNAL':
      noFlags(req);
      return { ...base('STOPSIGNAL', req), signal: exactlyOne(req) };
    case 'ARG':
      noFlags(req);
      atLeast(req, 1);
      return { ...base('ARG', req), args: req.args.map(argDeclaration) };
    case 'ONBUILD':
      return parseOnbuild(req, file);
    case 'HEALTHCHECK':
      return parseHealthcheck(req);
    default: {
      const message = `unknown instruction: ${req.node.value}`;
      const upper = KEYWORDS.map((k) => k.toUpperCase());
      throw new LineError(didYouMean(message, req.node.value, upper));
    }
  }
}

function argDeclaration(arg: string) {
  const at = arg.indexOf('=');
  return at < 0 ? { key: arg } : { key: arg.slice(0, at), value: arg.slice(at + 1) };
}

/** Types one raw node; errors carry the node's file, line and column. */
export function parseInstruction(node: AstNode, file: string): Instruction | FromInstruction {
  const location = locationOf(node, file);
  const req: Request = {
    node,
    args: argsOf(node),
    location,
    original: node.original.trim(),
    keyword: node.value.toUpperCase(),
  };
  try {
    return convert(req, file);
  } catch (error) {
    if (error instanceof LineError) throw new DockerfileError(error.message, location);
    throw error;
  }
}
