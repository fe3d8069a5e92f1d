import { InputError } from '../errors/index.js';

// Release versions are four numbers, `1.0.0.0` first in each repository; the
// fourth counts up. A version is released once: a taken one is bumped past the
// highest when auto-increment is on, and refused when it is off.

const FOUR_PART = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/;
const FIRST = '1.0.0.0';

/** Whether `version` is four dot-separated numbers. */
export function isReleaseVersion(version: string): boolean {
  return FOUR_PART.test(version);
}

/** The version a release gets, given the versions the repository already holds. */
export function chooseReleaseVersion(
  requested: string | undefined,
  taken: readonly string[],
  autoIncrement: boolean,
  repository: string,
): string {
  if (requested !== undefined && !isReleaseVersion(requested)) {
    throw new InputError('RELEASE_VERSION', `release version "${requested}" is not four numbers`, {
      hint: 'write it like 1.0.0.0',
    });
  }
  const highest = taken.filter(isReleaseVersion).sort(compareReleaseVersions).pop();
  const next = highest === undefined ? FIRST : bump(highest);
  if (requested === undefined) return next;
  if (!taken.includes(requested)) return requested;
  if (autoIncrement) return next;
  throw new InputError(
    'RELEASE_EXISTS',
    `version ${requested} is already released in repository ${repository}`,
    { hint: `use a new version (the next free one is ${next}) or set autoIncrement: true` },
  );
}

/** Numeric order of four-part versions. */
export function compareReleaseVersions(a: string, b: string): number {
  const pa = parts(a);
  const pb = parts(b);
  for (let i = 0; i < 4; i++) {
    const diff = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

function parts(version: string): number[] {
  return version.split('.').map(Number);
}

function bump(version: string): string {
  const [a, b, c, d] = parts(version);
  return `${a}.${b}.${c}.${(d ?? 0) + 1}`;
}
