import { InputError } from '../errors/index.js';

/** An error in the expansion of a word (bad substitution, missing `}`, open quote). */
export class ExpansionError extends InputError {
  constructor(message: string) {
    // The caller that knows the instruction adds the location (see checkWordSyntax).
    super('DOCKERFILE_EXPANSION', message);
  }
}
