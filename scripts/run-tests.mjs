// Runs the compiled test files with node's test runner.
//   node scripts/run-tests.mjs            every test
//   node scripts/run-tests.mjs --unit     only tests beside the code (no test/integration)
//   node scripts/run-tests.mjs PATTERN    only files whose path contains PATTERN
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const unitOnly = args.includes('--unit');
const patterns = args.filter((a) => !a.startsWith('--'));

function find(dir) {
  let found = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found = found.concat(find(path));
    else if (name.endsWith('.test.js')) found.push(path);
  }
  return found;
}

const files = find('dist')
  .filter((f) => !(unitOnly && f.startsWith('dist/test/integration')))
  .filter((f) => patterns.length === 0 || patterns.some((p) => f.includes(p)))
  .sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
const concurrency = process.env.SLIPWAY_TEST_CONCURRENCY ?? '2';
const result = spawnSync(
  process.execPath,
  ['--enable-source-maps', '--test', `--test-concurrency=${concurrency}`, ...files],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
