// Golden cases: every folder of testdata/ holds a Dockerfile and its expected
// `tree` dump and/or `parsed.json`; every folder of testdata-invalid/ holds a
// Dockerfile and `error` ("line:column: message"). A new case needs no new code.
// SLIPWAY_UPDATE_GOLDEN=1 rewrites the expected files (review the diff!).
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { dumpAst } from './dump.js';
import { DockerfileError } from './errors.js';
import { parseDockerfile } from './parse.js';

const root = fileURLToPath(new URL('../../../src/dockerfile/', import.meta.url));
const update = process.env.SLIPWAY_UPDATE_GOLDEN === '1';

function cases(dir: string): string[] {
  return readdirSync(join(root, dir))
    .filter((name) => existsSync(join(root, dir, name, 'Dockerfile')))
    .sort();
}

function compare(path: string, actual: string): void {
  if (update) writeFileSync(path, actual);
  assert.equal(actual, readFileSync(path, 'utf8'));
}

for (const name of cases('testdata')) {
  test(`golden ${name}`, () => {
    const dir = join(root, 'testdata', name);
    const text = readFileSync(join(dir, 'Dockerfile'), 'utf8');
    const { ast, ...parsed } = parseDockerfile(text, { file: 'Dockerfile' });
    const tree = join(dir, 'tree');
    if (existsSync(tree) || update) compare(tree, dumpAst(ast));
    const json = join(dir, 'parsed.json');
    if (existsSync(json) || update) compare(json, `${JSON.stringify(parsed, null, 2)}\n`);
  });
}

for (const name of cases('testdata-invalid')) {
  test(`invalid ${name}`, () => {
    const dir = join(root, 'testdata-invalid', name);
    const text = readFileSync(join(dir, 'Dockerfile'), 'utf8');
    let message = '';
    try {
      parseDockerfile(text, { file: 'Dockerfile' });
    } catch (error) {
      assert.ok(error instanceof DockerfileError, `not a DockerfileError: ${error}`);
      const { line, column } = error.location ?? { line: 0, column: 0 };
      message = `${line}:${column}: ${error.message}\n`;
    }
    assert.notEqual(message, '', 'the Dockerfile parsed, but must fail');
    compare(join(dir, 'error'), message);
  });
}
