// The syntax of every expanded word, over all stages as a lint does: `${` without `}`, a bad
// modifier or an open quote is a located error whatever the variables hold.
import { wordsOf } from './check-vars.js';
import { DockerfileError } from './errors.js';
import type { ParsedDockerfile } from './parse.js';
import { ExpansionError } from './shell-errors.js';
import { lex } from './shell-lex.js';
import type { Instruction, Location } from './types.js';

// Every name has a value, so only the syntax can fail (`${A:?}` does not).
const anything = () => 'x';

function valuesOf(instruction: Instruction): string[] {
  if (instruction.kind === 'ENV') return instruction.env.map(({ value }) => value);
  if (instruction.kind === 'ARG') return instruction.args.flatMap(({ value }) => value ?? []);
  return wordsOf(instruction);
}

/** Throws a DockerfileError at the first word that cannot be expanded. */
export function checkWordSyntax(parsed: ParsedDockerfile): void {
  const escapeToken = parsed.directives.escape;
  const check = (word: string, location: Location) => {
    try {
      lex(word, anything, { escapeToken });
    } catch (error) {
      if (!(error instanceof ExpansionError)) throw error;
      const hint =
        'close the quote or the ${…}, or escape the $ or quote with the escape character';
      throw new DockerfileError(error.message, location, hint);
    }
  };
  for (const arg of parsed.globalArgs)
    for (const value of valuesOf(arg)) check(value, arg.location);
  for (const stage of parsed.stages) {
    for (const word of [stage.from.image, stage.from.platform ?? '']) {
      check(word, stage.from.location);
    }
    for (const instruction of stage.instructions) {
      for (const word of valuesOf(instruction)) check(word, instruction.location);
    }
  }
}
