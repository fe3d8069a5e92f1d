// .dockerignore: reading the file and matching paths with moby/patternmatcher's rules.
import { cleanPath, dirPath } from './clean-path.js';
import { DockerfileError } from './errors.js';
import { validateGlob } from './glob-syntax.js';

/** One compiled pattern: `!` exclusions re-include what earlier patterns excluded. */
interface Pattern {
  text: string;
  exclusion: boolean;
  test: (path: string) => boolean;
}

/** Decides for a context-relative path whether the build context leaves it out. */
export interface IgnoreMatcher {
  (relPath: string, isDir: boolean): boolean;
  /** True when a `!` pattern may re-include something under this directory. */
  mayReincludeUnder(dirRelPath: string): boolean;
  /** True when the walker must send this entry (a directory holding re-included files). */
  sent(relPath: string, isDir: boolean): boolean;
  readonly patterns: readonly string[];
}

/** Reads a .dockerignore text into patterns (comments dropped, paths cleaned). */
export function parseIgnoreFile(text: string, _file = '.dockerignore'): string[] {
  const patterns: string[] = [];
  const body = text.startsWith('\ufeff') ? text.slice(1) : text;
  for (const raw of body.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.startsWith('#')) continue;
    let pattern = line.trim();
    if (pattern === '') continue;
    const invert = pattern.startsWith('!');
    if (invert) pattern = pattern.slice(1).trim();
    if (pattern !== '') {
      pattern = cleanPath(pattern);
      if (pattern.length > 1 && pattern.startsWith('/')) pattern = pattern.slice(1);
    }
    patterns.push(invert ? `!${pattern}` : pattern);
  }
  return patterns;
}

const REGEX_SPECIAL = '.+()|{}$';

// Compiles a cleaned pattern the way patternmatcher's Pattern.compile does.
function compile(pattern: string): (path: string) => boolean {
  let regex = '^';
  let type: 'exact' | 'prefix' | 'suffix' | 'regex' = 'exact';
  const chars = Array.from(pattern);
  for (let i = 0; i < chars.length; i++) {
    const first = i === 0;
    const ch = chars[i] as string;
    if (ch === '*' && chars[i + 1] === '*') {
      i++;
      if (chars[i + 1] === '/') i++;
      if (i + 1 >= chars.length) {
        if (type === 'exact') type = 'prefix';
        else {
          regex += '.*';
          type = 'regex';
        }
      } else {
        regex += '(.*/)?';
        type = 'regex';
      }
      if (first) type = 'suffix';
    } else if (ch === '*') {
      regex += '[^/]*';
      type = 'regex';
    } else if (ch === '?') {
      regex += '[^/]';
      type = 'regex';
    } else if (REGEX_SPECIAL.includes(ch)) {
      regex += `\\${ch}`;
    } else if (ch === '\\') {
      if (i + 1 < chars.length) {
        i++;
        regex += `\\${chars[i]}`;
        type = 'regex';
      } else {
        regex += '\\\\';
      }
    } else if (ch === '[' || ch === ']') {
      regex += ch;
      type = 'regex';
    } else {
      regex += ch === '/' ? '\\/' : ch;
    }
  }
  if (type === 'exact') return (path) => path === pattern;
  if (type === 'prefix') {
    const prefix = pattern.slice(0, -2);
    return (path) => path.startsWith(prefix);
  }
  if (type === 'suffix') {
    const suffix = pattern.slice(2);
    return (path) => path.endsWith(suffix) || (suffix[0] === '/' && path === suffix.slice(1));
  }
  const compiled = new RegExp(`${regex}(/.*)?$`);
  return (path) => compiled.test(path);
}

function compilePatterns(patterns: readonly string[], file: string): Pattern[] {
  const compiled: Pattern[] = [];
  patterns.forEach((raw, index) => {
    let text = raw.trim();
    if (text === '') return;
    text = cleanPath(text);
    const exclusion = text.startsWith('!');
    const location = { file, line: index + 1, column: 1, endLine: index + 1 };
    if (exclusion) {
      if (text.length === 1) throw new DockerfileError('illegal exclusion pattern: "!"', location);
      text = text.slice(1);
    }
    if (!validateGlob(text)) {
      throw new DockerfileError(
        `syntax error in pattern ${JSON.stringify(raw)}`,
        location,
        'close each [ with ], and escape a literal [ or \\ with a backslash',
      );
    }
    compiled.push({ text, exclusion, test: compile(text) });
  });
  return compiled;
}

/** Compiles patterns into a matcher; a bad pattern throws with its index as line. */
export function makeIgnoreMatcher(
  patterns: readonly string[],
  file = '.dockerignore',
): IgnoreMatcher {
  const compiled = compilePatterns(patterns, file);
  const excluded = (relPath: string): boolean => {
    const parent = dirPath(relPath);
    const parentDirs = parent.split('/');
    let matched = false;
    for (const pattern of compiled) {
      if (pattern.exclusion !== matched) continue;
      let match = pattern.test(relPath);
      if (!match && parent !== '.') {
        for (let i = 0; i < parentDirs.length && !match; i++) {
          match = pattern.test(parentDirs.slice(0, i + 1).join('/'));
        }
      }
      if (match) matched = !pattern.exclusion;
    }
    return matched;
  };
  const mayReincludeUnder = (dir: string): boolean => {
    const prefix = `${dir}/`;
    return compiled.some((pattern) => {
      if (!pattern.exclusion) return false;
      const literal = pattern.text.split(/[*?[\\]/)[0] as string;
      if (literal.length < pattern.text.length && literal === '') return true;
      return (
        pattern.text.startsWith(prefix) || (prefix.startsWith(literal) && literal !== pattern.text)
      );
    });
  };
  const matcher = ((relPath: string, _isDir: boolean) => excluded(relPath)) as IgnoreMatcher;
  matcher.mayReincludeUnder = mayReincludeUnder;
  matcher.sent = (relPath, isDir) => !excluded(relPath) || (isDir && mayReincludeUnder(relPath));
  Object.defineProperty(matcher, 'patterns', { value: [...patterns] });
  return matcher;
}
