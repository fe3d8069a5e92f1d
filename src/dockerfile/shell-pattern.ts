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
    // Outside a character class `-` is literal; `\-` is an error in a `u` regex.
    out += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(out, global ? 'gu' : 'u');
}

/** `${v#p}`, `${v##p}`, `${v%p}`, `${v%%p}`: removes the shortest or longest match. */
export function trimPattern(op: string, word: string, value: string): string {
  const greedy = word.startsWith(op);
  const pattern = greedy ? word.slice(1) : word;
  if (op === '#') return trimPrefix(pattern, value, greedy);
  const reversed = trimPrefix(
    reversePattern(pattern),
    Array.from(value).reverse().join(''),
    greedy,
  );
  return Array.from(reversed).reverse().join('');
}

function trimPrefix(pattern: string, value: string, greedy: boolean): string {
  const match = shellPatternToRegex(pattern, greedy, true, false).exec(value);
  return match ? value.slice(match[0].length) : value;
}

// Reverses a pattern while keeping each `\x` escape pair in order.
function reversePattern(pattern: string): string {
  const units: string[] = [];
  const chars = Array.from(pattern);
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] as string;
    if (ch === '\\' && i + 1 < chars.length) {
      units.push(ch + chars[i + 1]);
      i++;
    } else {
      units.push(ch);
    }
  }
  return units.reverse().join('');
}
