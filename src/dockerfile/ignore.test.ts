import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DockerfileError } from './errors.js';
import { makeIgnoreMatcher, parseIgnoreFile } from './ignore.js';
import { findIgnoreFile } from './ignore-file.js';

test('parseIgnoreFile: comments, trimming, cleaning, leading slash, BOM, CRLF', () => {
  const text =
    '\ufeff# comment\r\nnode_modules\r\n  /build/  \n./a/../b\n ! /keep.txt\n#x\n\n  # not a comment\n';
  assert.deepEqual(parseIgnoreFile(text), [
    'node_modules',
    'build',
    'b',
    '!keep.txt',
    '# not a comment',
  ]);
});

const cases: Array<[string[], string, boolean]> = [
  [['*.log'], 'app.log', true],
  [['*.log'], 'logs/app.log', false],
  [['**/*.log'], 'logs/deep/app.log', true],
  [['**/*.log'], 'app.log', true],
  [['logs'], 'logs/deep/app.log', true],
  [['logs/'], 'logs/app.log', true],
  [['logs', '!logs/keep.log'], 'logs/keep.log', false],
  [['logs', '!logs/keep.log'], 'logs/other.log', true],
  [['!logs/keep.log', 'logs'], 'logs/keep.log', true],
  [['a?c'], 'abc', true],
  [['a?c'], 'a/c', false],
  [['[a-c]x'], 'bx', true],
  [['[a-c]x'], 'dx', false],
  [['[^a-c]x'], 'dx', true],
  [['\\*star'], '*star', true],
  [['\\*star'], 'xstar', false],
  [['docs/**'], 'docs/a/b.md', true],
  [['docs/**'], 'docs', false],
  [['**'], 'anything/at/all', true],
  [['a/**/b'], 'a/b', true],
  [['a/**/b'], 'a/x/y/b', true],
  [['file.txt'], 'sub/file.txt', false],
  [['*', '!src', 'src/*.test.ts'], 'src/a.test.ts', true],
  [['*', '!src', 'src/*.test.ts'], 'src/a.ts', false],
  [['dots.+(x)'], 'dots.+(x)', true],
];

for (const [patterns, path, excluded] of cases) {
  test(`ignore ${JSON.stringify(patterns)} ${path}`, () => {
    assert.equal(makeIgnoreMatcher(patterns)(path, false), excluded);
  });
}

test('a directory with re-included files is still walked and sent', () => {
  const matcher = makeIgnoreMatcher(['vendor', '!vendor/keep/**', 'tmp']);
  assert.equal(matcher('vendor', true), true);
  assert.equal(matcher.mayReincludeUnder('vendor'), true);
  assert.equal(matcher.sent('vendor', true), true);
  assert.equal(matcher.sent('vendor/keep/a', false), true);
  assert.equal(matcher.sent('vendor/drop', false), false);
  assert.equal(matcher.mayReincludeUnder('tmp'), false);
  assert.equal(matcher.sent('tmp', true), false);
});

test('bad patterns fail with the pattern and its line', () => {
  for (const [patterns, message, line] of [
    [['ok', '!'], 'illegal exclusion pattern: "!"', 2],
    [['[abc'], 'syntax error in pattern "[abc"', 1],
    [['a', 'b', '[]x]'], 'syntax error in pattern "[]x]"', 3],
    [['x\\'], 'syntax error in pattern "x\\\\"', 1],
  ] as const) {
    assert.throws(
      () => makeIgnoreMatcher(patterns, '.dockerignore'),
      (error: unknown) =>
        error instanceof DockerfileError &&
        error.message === message &&
        error.location?.line === line,
    );
  }
});

test('findIgnoreFile prefers <Dockerfile>.dockerignore beside the Dockerfile', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-ignore-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'docker'));
  writeFileSync(join(dir, '.dockerignore'), 'root\n');
  assert.deepEqual(findIgnoreFile(dir, 'docker/app.Dockerfile'), {
    path: join(dir, '.dockerignore'),
    text: 'root\n',
  });
  writeFileSync(join(dir, 'docker', 'app.Dockerfile.dockerignore'), 'specific\n');
  assert.deepEqual(findIgnoreFile(dir, 'docker/app.Dockerfile'), {
    path: join(dir, 'docker', 'app.Dockerfile.dockerignore'),
    text: 'specific\n',
  });
  rmSync(join(dir, '.dockerignore'));
  rmSync(join(dir, 'docker', 'app.Dockerfile.dockerignore'));
  assert.equal(findIgnoreFile(dir, 'docker/app.Dockerfile'), undefined);
});
