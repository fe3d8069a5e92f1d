import { InputError } from '../../errors/index.js';

// `--chmod` as BuildKit reads it since Dockerfile frontend 1.14 (moby/buildkit#5734):
// an octal mode replaces the permission bits; anything else is a symbolic mode
// with chmod(1) semantics, applied to each copied entry's own source mode.
// BuildKit hands the text to fsutil, which parses it with a Go port of BSD
// setmode(3) (tonistiigi/dchapes-mode); we follow chmod(1)/setmode: clauses
// `[ugoa]*[+-=][rwxXst]*` (or `[+-=][ugo]` to copy a class), comma-separated,
// applied left to right; no who letters means `a`, and no umask is applied
// (BuildKit has no umask to apply). `X` is execute for a directory or for a
// file that already has an execute bit (as the mode stands at that point).

/** A parsed --chmod: the text it came from and how it changes one entry's mode. */
export interface ModeChange {
  /** What the cache key records: the octal value, or the symbolic text. */
  key: number | string;
  apply(mode: number, directory: boolean): number;
}

const WHO: Record<string, number> = { u: 0o4700, g: 0o2070, o: 0o1007, a: 0o7777 };
const PERM: Record<string, number> = { r: 0o444, w: 0o222, x: 0o111, s: 0o6000, t: 0o1000 };
const CLAUSE = /^([ugoa]*)((?:[-+=](?:[rwxXst]*|[ugo]))+)$/;

/** Parse --chmod's value; a bad one is an INVALID_CHMOD error that says what is allowed. */
export function parseModeChange(text: string): ModeChange {
  // Any octal text up to 07777, leading zeros and all, as BuildKit's ParseUint(text, 8) reads it.
  if (/^[0-7]+$/.test(text) && Number.parseInt(text, 8) <= 0o7777) {
    const octal = Number.parseInt(text, 8);
    return { key: octal, apply: () => octal };
  }
  // Digits that are no octal mode get BuildKit's octal message, not a clause error.
  if (/^\d+$/.test(text)) {
    throw new InputError('INVALID_CHMOD', `invalid --chmod=${text}: expected an octal mode`, {
      hint: 'write the mode in octal between 0 and 07777, e.g. --chmod=0755',
    });
  }
  const clauses = text.split(',').map((clause) => {
    const match = CLAUSE.exec(clause);
    if (!match) throw invalid(text, clause);
    return { who: whoMask(match[1] as string), ops: match[2] as string };
  });
  return {
    key: text,
    apply: (mode, directory) =>
      clauses.reduce((m, clause) => applyClause(m, clause.who, clause.ops, directory), mode),
  };
}

function whoMask(letters: string): number {
  if (letters === '') return WHO.a as number;
  let mask = 0;
  for (const letter of letters) mask |= WHO[letter] as number;
  return mask;
}

function applyClause(mode: number, who: number, ops: string, directory: boolean): number {
  let current = mode & 0o7777;
  for (const [, op, perms] of ops.matchAll(/([-+=])([^-+=]*)/g)) {
    const bits = permBits(current, perms as string, directory) & who;
    if (op === '+') current |= bits;
    else if (op === '-') current &= ~bits;
    else current = (current & ~who) | bits;
  }
  return current;
}

/** The bits `perms` names, for every class (`who` narrows them after). */
function permBits(mode: number, perms: string, directory: boolean): number {
  if (perms === 'u' || perms === 'g' || perms === 'o') {
    const shift = { u: 6, g: 3, o: 0 }[perms];
    return ((mode >> shift) & 0o7) * 0o111;
  }
  let bits = 0;
  for (const perm of perms) {
    if (perm === 'X') {
      if (directory || (mode & 0o111) !== 0) bits |= 0o111;
    } else bits |= PERM[perm] as number;
  }
  return bits;
}

function invalid(text: string, clause: string): InputError {
  return new InputError('INVALID_CHMOD', `invalid --chmod=${text}: bad clause "${clause}"`, {
    hint: 'give an octal mode (0755) or chmod(1) clauses like u+x or u=rwX,go=rX',
  });
}
