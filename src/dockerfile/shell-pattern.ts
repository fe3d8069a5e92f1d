// Shell patterns (`*`, `?`, `\x`) of `${v#p}`, `${v%p}` and `${v/p/r}` as regexes.
import { ExpansionError } from './shell-errors.js';

/** Compiles a shell pattern; `greedy` picks `.*` over `.*?`. */
export function shellPatternToRegex(
  pattern: string,
  greedy: boolean,
  anchored: boolean,
  global: boolean,
): RegExp {
  let out = anchored ? '^' : '';
  const star = greedy ? '.*' : '.*?';
  const chars = Array.from(pattern);
  for (let i = 0; i < chars.length; i++) {
    let ch = chars[i] as string;
    if (ch === '*') {
      out += star;
      continue;
    }
    if (ch === '?') {
      out += '.';
      continue;
    }
    if (ch === '\\') {
      const after = chars[i + 1];
      // `}` and `/` are escaped to end the ${} word; the escape is not part of the pattern.
      if (after === '}' || after === '/') continue;
      i++;
      if (after !== '*' && after !== '?' && after !== '\\') {
        throw new ExpansionError(
          `invalid pattern (${pattern}) in substitution: invalid escape '\\${after ?? ''}'`,
        );
      }
      ch = after;
    }
    out += ch.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
  }
  return new RegExp(out, global ? 'gu' : 'u');
}
