// Go's filepath.Match patterns (`*`, `?`, `[a-z]`, `[^a]`, `\` escapes), which
// COPY and ADD sources use, one path segment at a time; and `**` patterns as
// `--exclude` and .dockerignore use them.

import { InputError } from '../../errors/index.js';

/** Whether a source names files by pattern rather than by path. */
export function hasWildcard(path: string): boolean {
  return /[*?[]/.test(path);
}

/** A regular expression matching one path segment as filepath.Match would. */
export function segmentRegExp(pattern: string): RegExp {
  return new RegExp(`^${translate(pattern, false)}$`, 's');
}

/** A regular expression over whole slash-separated paths, `**` spanning segments. */
export function pathRegExp(pattern: string): RegExp {
  return new RegExp(`^${translate(pattern, true)}$`, 's');
}

function translate(pattern: string, doubleStar: boolean): string {
  let out = '';
  for (let i = 0; i < pattern.length; i += 1) {
    const c = pattern[i] as string;
    if (c === '*') {
      if (doubleStar && pattern[i + 1] === '*') {
        i += 1;
        // `**/` also matches no directory at all.
        if (pattern[i + 1] === '/') {
          i += 1;
          out += '(?:.*/)?';
        } else out += '.*';
      } else out += '[^/]*';
    } else if (c === '?') out += '[^/]';
    else if (c === '\\' && i + 1 < pattern.length) {
      i += 1;
      out += escapeChar(pattern[i] as string);
    } else if (c === '[') {
      const close = pattern.indexOf(']', i + 2);
      if (close < 0) {
        throw new InputError('BAD_PATTERN', `syntax error in pattern ${JSON.stringify(pattern)}`, {
          hint: 'a [ opens a character class that needs its ]; write \\[ for a literal [',
        });
      }
      let body = pattern.slice(i + 1, close);
      if (body.startsWith('^')) body = `^${body.slice(1)}`;
      out += `[${body.replace(/\\(.)/g, '\\$1')}]`;
      i = close;
    } else out += escapeChar(c);
  }
  return out;
}

function escapeChar(c: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(c) ? `\\${c}` : c;
}

/** A matcher for `--exclude` patterns; `!pattern` re-includes, the last match wins. */
export function excludeMatcher(patterns: readonly string[]): (path: string) => boolean {
  const rules = patterns.map((raw) => {
    const negate = raw.startsWith('!');
    const body = (negate ? raw.slice(1) : raw).replace(/^\/+|\/+$/g, '');
    return { negate, regexp: pathRegExp(body) };
  });
  return (path) => {
    let excluded = false;
    const parents = path.split('/').map((_, i, all) => all.slice(0, i + 1).join('/'));
    for (const rule of rules) {
      // A pattern that matches a parent directory excludes what is inside it.
      if (parents.some((p) => rule.regexp.test(p))) excluded = !rule.negate;
    }
    return excluded;
  };
}
