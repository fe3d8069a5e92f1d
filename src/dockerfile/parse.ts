// parseDockerfile: the front end's main entry point.
import type { Ast } from './ast.js';
import { runChecks } from './checks.js';
import { DockerfileError } from './errors.js';
import { locationOf, parseInstruction } from './instructions.js';
import { parseAst } from './parser.js';
import type { ArgInstruction, Directives, Stage, Warning } from './types.js';

/** Options of parseDockerfile. */
export interface ParseOptions {
  /** The file name used in locations and errors. */
  file: string;
}

/** A parsed Dockerfile: stages with typed instructions, global ARGs, warnings. */
export interface ParsedDockerfile {
  directives: Directives;
  stages: Stage[];
  /** ARGs before the first FROM: usable in FROM lines, or re-declared in a stage. */
  globalArgs: ArgInstruction[];
  warnings: Warning[];
  ast: Ast;
}

/** Parses and types a Dockerfile; throws DockerfileError with file, line and column. */
export function parseDockerfile(text: string, options: ParseOptions): ParsedDockerfile {
  const { ast, directives, warnings } = parseAst(text, options.file);
  const stages: Stage[] = [];
  const globalArgs: ArgInstruction[] = [];
  for (const node of ast.children) {
    const instruction = parseInstruction(node, options.file);
    if (instruction.kind === 'FROM') {
      const stage: Stage = { index: stages.length, from: instruction, instructions: [] };
      if (instruction.stageName !== undefined) stage.name = instruction.stageName;
      stages.push(stage);
      continue;
    }
    const current = stages[stages.length - 1];
    if (current !== undefined) {
      current.instructions.push(instruction);
    } else if (instruction.kind === 'ARG') {
      globalArgs.push(instruction);
    } else {
      throw new DockerfileError(
        `no build stage in current context: ${instruction.kind} before the first FROM`,
        locationOf(node, options.file),
        'start the Dockerfile with FROM (only ARG may come before it)',
      );
    }
  }
  const parsed: ParsedDockerfile = { directives, stages, globalArgs, warnings, ast };
  parsed.warnings = [...warnings, ...runChecks(parsed)];
  return parsed;
}
