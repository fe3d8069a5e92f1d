// The raw parse: BuildKit's AST of a Dockerfile, before instructions are typed.
import type { Heredoc } from './types.js';

/** One node of the raw parse; an instruction is a node with its arguments. */
export interface AstNode {
  /** The instruction keyword as written (for an argument: its text). */
  value: string;
  /** Arguments in order; an ONBUILD argument is a node with `children`. */
  next: AstNode[];
  children: AstNode[];
  heredocs: Heredoc[];
  /** True when the arguments were a JSON array (exec form). */
  json: boolean;
  original: string;
  flags: string[];
  startLine: number;
  endLine: number;
  /** 1-based column of the keyword on its first line. */
  column: number;
  /** Comment lines directly above the instruction. */
  comments: string[];
}

/** The whole raw parse of a Dockerfile. */
export interface Ast {
  children: AstNode[];
  escapeToken: '\\' | '`';
}

/** A node holding only a value (an argument). */
export function valueNode(value: string): AstNode {
  return {
    value,
    next: [],
    children: [],
    heredocs: [],
    json: false,
    original: '',
    flags: [],
    startLine: 0,
    endLine: 0,
    column: 0,
    comments: [],
  };
}
