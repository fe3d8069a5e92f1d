// Character classes as Go's unicode package and BuildKit's regexes define them.

const SPACE = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]$/;

/** Go's unicode.IsSpace. */
export function isSpace(ch: string): boolean {
  return SPACE.test(ch);
}

/** Go's strings.TrimSpace. */
export function trimSpace(text: string): string {
  return trimRightSpace(trimLeftSpace(text));
}

/** Go's strings.TrimLeftFunc(s, unicode.IsSpace). */
export function trimLeftSpace(text: string): string {
  let start = 0;
  while (start < text.length && isSpace(text[start] as string)) start++;
  return text.slice(start);
}

/** Go's strings.TrimRightFunc(s, unicode.IsSpace). */
export function trimRightSpace(text: string): string {
  let end = text.length;
  while (end > 0 && isSpace(text[end - 1] as string)) end--;
  return text.slice(0, end);
}

/** BuildKit's reWhitespace: runs of tab, vertical tab, form feed, CR and space. */
export const WHITESPACE_RUN = /[\t\v\f\r ]+/;

/** Go's regexp.Split(s, n) for WHITESPACE_RUN: at most `limit` parts (-1: all). */
export function splitWhitespace(text: string, limit = -1): string[] {
  const parts: string[] = [];
  let rest = text;
  const re = /[\t\v\f\r ]+/;
  while (limit < 0 || parts.length < limit - 1) {
    const match = re.exec(rest);
    if (match === null) break;
    parts.push(rest.slice(0, match.index));
    rest = rest.slice(match.index + match[0].length);
  }
  parts.push(rest);
  return parts;
}
