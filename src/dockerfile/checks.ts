// Build checks (BuildKit's linter rules) as data.
import type { ParsedDockerfile } from './parse.js';
import type { Warning } from './types.js';

/** Runs every check over a parsed Dockerfile. */
export function runChecks(_parsed: ParsedDockerfile): Warning[] {
  return [];
}
