// The syntax check Go's filepath.Match applies to a pattern (ErrBadPattern cases).

// Reads one class character (maybe escaped) at `at`; -1 when malformed.
function classChar(chars: string[], at: number): number {
  const ch = chars[at];
  if (ch === undefined || ch === '-' || ch === ']') return -1;
  let next = at + 1;
  if (ch === '\\') {
    if (chars[next] === undefined) return -1;
    next++;
  }
  return next >= chars.length ? -1 : next;
}

/** False for a pattern filepath.Match rejects: unclosed `[`, bad ranges, trailing `\`. */
export function validateGlob(pattern: string): boolean {
  const chars = Array.from(pattern);
  let i = 0;
  while (i < chars.length) {
    const ch = chars[i];
    if (ch === '\\') {
      if (i + 1 >= chars.length) return false;
      i += 2;
      continue;
    }
    if (ch !== '[') {
      i++;
      continue;
    }
    i++;
    if (chars[i] === '^') i++;
    let ranges = 0;
    for (;;) {
      if (chars[i] === ']' && ranges > 0) {
        i++;
        break;
      }
      let next = classChar(chars, i);
      if (next < 0) return false;
      if (chars[next] === '-') {
        next = classChar(chars, next + 1);
        if (next < 0) return false;
      }
      i = next;
      ranges++;
    }
  }
  return true;
}
