// Parses and checks (as `slipway dockerfile check` does) every Dockerfile under the
// given folders; none may fail.
// Prints `N passed, N failed` and how often each check fired, to review by hand.
// Usage: npm run conformance:real -- DIR...
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { lintDockerfile } from '../src/dockerfile/checks.js';
import { parseDockerfile } from '../src/dockerfile/index.js';

const dirs = process.argv.slice(2);
if (dirs.length === 0) {
  console.error('usage: npm run conformance:real -- DIR...');
  process.exit(2);
}

// A Dockerfile by name, or by content: its first instruction is FROM or ARG (kaniko's
// `dockerfiles/1097` and `TestReplaceFolderWithFile` carry no "Dockerfile" in their name).
function isDockerfile(path: string): boolean {
  const name = basename(path);
  if (name.endsWith('.dockerignore') || name.endsWith('.md')) return false;
  if (/dockerfile/i.test(name)) return true;
  const first = readFileSync(path, 'latin1')
    .split('\n')
    .map((line) => line.trim())
    .find((line) => line !== '' && !line.startsWith('#'));
  return first !== undefined && /^(from|arg)\s/i.test(first);
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return walk(path);
    return isDockerfile(path) ? [path] : [];
  });
}

let passed = 0;
const failures: string[] = [];
const rules = new Map<string, number>();
for (const file of dirs.flatMap(walk).sort()) {
  try {
    const parsed = parseDockerfile(readFileSync(file, 'utf8'), { file });
    for (const warning of lintDockerfile(parsed)) {
      rules.set(warning.rule, (rules.get(warning.rule) ?? 0) + 1);
      if (process.env.VERBOSE) console.log(`${file}:${warning.location.line}: ${warning.message}`);
    }
    passed++;
  } catch (error) {
    failures.push(`${file}: ${(error as Error).message}`);
  }
}
for (const failure of failures) console.log(`FAIL ${failure}`);
for (const [rule, count] of [...rules].sort()) console.log(`  ${rule}: ${count} warning(s)`);
console.log(`${passed} passed, ${failures.length} failed`);
process.exit(failures.length === 0 ? 0 : 1);
