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

/** Edit distance counting a swap of neighbours as one edit, for "did you mean". */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row: number[] = [i];
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        row[j] = j;
        continue;
      }
      const up = rows[i - 1] as number[];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(
        (up[j] as number) + 1,
        (row[j - 1] as number) + 1,
        (up[j - 1] as number) + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, ((rows[i - 2] as number[])[j - 2] as number) + 1);
      }
      row[j] = best;
    }
    rows.push(row);
  }
  return (rows[a.length] as number[])[b.length] as number;
}

/** The closest option to a misspelt word, if one is close enough to suggest. */
export function suggest(word: string, options: readonly string[], caseSensitive = false) {
  const value = caseSensitive ? word : word.toLowerCase();
  // Nothing sensible is close to a very long word; skip the quadratic work.
  if (value === '' || value.length > 64) return undefined;
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
