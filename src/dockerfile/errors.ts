// Errors of the Dockerfile front end: always located at a file, line and column.
import { InputError } from '../errors/index.js';
import type { Location } from './types.js';

/** A Dockerfile that BuildKit would reject; `location` names the line. */
export class DockerfileError extends InputError {
  constructor(message: string, location: Location, hint?: string) {
    super('DOCKERFILE_INVALID', message, {
      location: { file: location.file, line: location.line, column: location.column },
      hint,
    });
  }
}

/** Levenshtein distance, for "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        (previous[j - 1] as number) + cost,
      );
    }
    previous = current;
  }
  return previous[b.length] as number;
}

/** The closest option to a misspelt word, if one is close enough to suggest. */
export function suggest(word: string, options: readonly string[], caseSensitive = false) {
  const value = caseSensitive ? word : word.toLowerCase();
  if (value === '') return undefined;
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const option of options) {
    const candidate = caseSensitive ? option : option.toLowerCase();
    const distance = editDistance(value, candidate);
    if (distance < bestDistance) {
      best = option;
      bestDistance = distance;
    }
  }
  const limit = Math.max(1, Math.min(3, Math.floor(value.length / 3)));
  return bestDistance <= limit ? best : undefined;
}

/** Appends " (did you mean x?)" when a close option exists. */
export function didYouMean(message: string, word: string, options: readonly string[]) {
  const close = suggest(word, options);
  return close === undefined ? message : `${message} (did you mean ${close}?)`;
}
