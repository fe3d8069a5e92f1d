// Runs the .dockerignore case tables: matcher, walker and build cases
// (dockerignore-cases.json) and file parsing (dockerignore-parse-cases.json).
// Usage: npm run conformance:dockerignore -- CORPUS_DIR
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanPath } from '../src/dockerfile/clean-path.js';
import { makeIgnoreMatcher, parseIgnoreFile } from '../src/dockerfile/ignore.js';

interface MatchCase {
  patterns: string[];
  path: string;
  excluded: boolean;
  level: 'matcher' | 'walker' | 'build';
  test: string;
  error?: string;
  tree?: string[];
}

interface ParseCase {
  input: string;
  patterns: string[];
  test: string;
}

const dir = process.argv[2] ?? '/work/shared/corpus';
const failures: string[] = [];
let passed = 0;

function decide(c: MatchCase): boolean {
  if (c.level === 'build')
    return makeIgnoreMatcher(parseIgnoreFile(c.patterns.join('\n')))(c.path, false);
  const matcher = makeIgnoreMatcher(c.patterns);
  if (c.level === 'walker') {
    const isDir = (c.tree ?? []).includes(`${c.path}/ (dir)`);
    return !matcher.sent(c.path, isDir);
  }
  if (c.test.startsWith('TestMatch (')) {
    const path = cleanPath(c.path);
    return path !== '.' && matcher(path, false);
  }
  return matcher(c.path, c.path.endsWith('/'));
}

const cases = JSON.parse(readFileSync(join(dir, 'dockerignore-cases.json'), 'utf8')) as MatchCase[];
for (const c of cases) {
  const name = `${c.test}: ${JSON.stringify(c.patterns)} ${c.path}`;
  try {
    const excluded = decide(c);
    if (c.error !== undefined) failures.push(`${name}: must fail (${c.error})`);
    else if (excluded === c.excluded) passed++;
    else failures.push(`${name}: excluded=${excluded}, want ${c.excluded}`);
  } catch (error) {
    if (c.error !== undefined) passed++;
    else failures.push(`${name}: unexpected error ${(error as Error).message}`);
  }
}

const parseCases = JSON.parse(
  readFileSync(join(dir, 'dockerignore-parse-cases.json'), 'utf8'),
) as ParseCase[];
for (const c of parseCases) {
  const actual = parseIgnoreFile(c.input);
  if (JSON.stringify(actual) === JSON.stringify(c.patterns)) passed++;
  else failures.push(`${c.test}: ${JSON.stringify(actual)}, want ${JSON.stringify(c.patterns)}`);
}

for (const failure of failures) console.log(`FAIL ${failure}`);
console.log(`${passed} passed, ${failures.length} failed`);
process.exit(failures.length === 0 ? 0 : 1);
