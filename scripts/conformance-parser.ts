// Runs a folder of BuildKit parser test files: `testfiles/<case>/{Dockerfile,result}`
// must dump exactly as `result`; `testfiles-negative/<case>/Dockerfile` must fail
// with a located error; `testfile-line/` must give upstream's line ranges.
// Usage: npm run conformance:parser -- DIR
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dumpAst } from '../src/dockerfile/dump.js';
import { parseDockerfile } from '../src/dockerfile/index.js';
import { parseAst } from '../src/dockerfile/parser.js';
import { SlipwayError } from '../src/errors/index.js';

const dir = process.argv[2];
if (dir === undefined) {
  console.error('usage: npm run conformance:parser -- DIR');
  process.exit(2);
}

const failures: string[] = [];
let passed = 0;

function cases(sub: string): string[] {
  const path = join(dir as string, sub);
  if (!existsSync(path)) return [];
  return readdirSync(path)
    .filter((name) => existsSync(join(path, name, 'Dockerfile')))
    .map((name) => join(path, name));
}

for (const folder of cases('testfiles')) {
  const file = join(folder, 'Dockerfile');
  const expected = readFileSync(join(folder, 'result'), 'utf8');
  try {
    const actual = dumpAst(parseAst(readFileSync(file, 'utf8'), file).ast);
    if (actual === expected) passed++;
    else failures.push(`${folder}: dump differs\n--- expected\n${expected}--- actual\n${actual}`);
  } catch (error) {
    failures.push(`${folder}: unexpected error: ${(error as Error).message}`);
  }
}

for (const folder of cases('testfiles-negative')) {
  const file = join(folder, 'Dockerfile');
  try {
    parseDockerfile(readFileSync(file, 'utf8'), { file });
    failures.push(`${folder}: parsed, but must fail`);
  } catch (error) {
    if (error instanceof SlipwayError && error.location?.line !== undefined) passed++;
    else failures.push(`${folder}: failed without a location: ${(error as Error).message}`);
  }
}

// testfile-line: upstream's TestParseIncludesLineNumbers holds the ranges in Go code.
const lineFile = join(dir, 'testfile-line', 'Dockerfile');
if (existsSync(lineFile)) {
  const want = '5-5 11-12 17-31';
  try {
    const { ast } = parseAst(readFileSync(lineFile, 'utf8'), lineFile);
    const got = ast.children.map((node) => `${node.startLine}-${node.endLine}`).join(' ');
    if (got === want) passed++;
    else failures.push(`${lineFile}: line ranges ${got}, want ${want}`);
  } catch (error) {
    failures.push(`${lineFile}: unexpected error: ${(error as Error).message}`);
  }
}

for (const failure of failures) console.log(`FAIL ${failure}`);
console.log(`${passed} passed, ${failures.length} failed`);
process.exit(failures.length === 0 ? 0 : 1);
