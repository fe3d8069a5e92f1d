import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../bin.js', import.meta.url));

function slipway(...args: string[]) {
  const result = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function tempDockerfile(t: { after: (fn: () => void) => void }, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-df-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'Dockerfile');
  writeFileSync(file, text);
  return file;
}

test('dockerfile parse --format tree prints the BuildKit dump', (t) => {
  const file = tempDockerfile(t, 'FROM alpine AS base\nCOPY --link a b\nONBUILD RUN x\n');
  const result = slipway('dockerfile', 'parse', '--format', 'tree', file);
  assert.equal(
    result.stdout,
    '(from "alpine" "AS" "base")\n(copy ["--link"] "a" "b")\n(onbuild (run "x"))\n',
  );
  assert.equal(result.status, 0);
});

test('dockerfile parse prints typed instructions as JSON', (t) => {
  const file = tempDockerfile(t, 'FROM alpine\nCMD ["a"]\n');
  const result = slipway('dockerfile', 'parse', file);
  const parsed = JSON.parse(result.stdout);
  assert.deepEqual(parsed.stages[0].instructions[0].command, { form: 'exec', args: ['a'] });
  assert.equal(result.status, 0);
});

test('dockerfile check prints warnings and exits 0', (t) => {
  const file = tempDockerfile(t, 'FROM alpine\nMAINTAINER me\n');
  const result = slipway('dockerfile', 'check', '--format', 'json', file);
  const warnings = JSON.parse(result.stdout) as Array<{ rule: string; location: { line: number } }>;
  assert.deepEqual(
    warnings.map((w) => [w.rule, w.location.line]),
    [['MaintainerDeprecated', 2]],
  );
  assert.equal(result.status, 0);
});

test('dockerfile check fails on a parse error with file, line and column', (t) => {
  const file = tempDockerfile(t, 'FROM alpine\nCOPY --chwon=1 a b\n');
  const result = slipway('dockerfile', 'check', file);
  assert.equal(result.stderr, `error: ${file}:2:6: unknown flag: chwon (did you mean chown?)\n`);
  assert.equal(result.status, 2);
});

test('dockerfile check fails on a stage used before it is defined, in any stage', (t) => {
  const file = tempDockerfile(t, 'FROM alpine AS a\nCOPY --from=b /x /x\nFROM alpine AS b\n');
  const result = slipway('dockerfile', 'check', file);
  assert.equal(
    result.stderr,
    `error: ${file}:2:1: cannot copy from stage "b", ` +
      'it needs to be defined before current stage "a"\n' +
      '  hint: move the stage it uses above this one\n',
  );
  assert.equal(result.status, 2);
});

test('dockerfile check fails on ${ without } with its line', (t) => {
  const file = tempDockerfile(t, 'FROM alpine AS unused\nWORKDIR /srv/${APP\nFROM alpine\n');
  const result = slipway('dockerfile', 'check', file);
  assert.equal(
    result.stderr.split('\n')[0],
    `error: ${file}:2:1: failed to process "/srv/\${APP": syntax error: missing '}'`,
  );
  assert.equal(result.status, 2);
});

test('dockerfile check fails on warnings when the file sets check=error=true', (t) => {
  const file = tempDockerfile(t, '# check=error=true\nFROM alpine\nCMD run\n');
  const result = slipway('dockerfile', 'check', file);
  assert.equal(
    result.stdout,
    `${file}:3:1: JSONArgsRecommended: JSON arguments recommended for CMD to prevent ` +
      'unintended behavior related to OS signals\n' +
      '  fix: use the exec form: CMD ["executable", "arg"]\n',
  );
  assert.equal(
    result.stderr,
    'error: 1 check(s) failed\n  hint: the file sets # check=error=true\n',
  );
  assert.equal(result.status, 2);
});

test('dockerfile check reports unused --build-arg values', (t) => {
  const file = tempDockerfile(t, 'FROM alpine\nARG USED\n');
  const result = slipway(
    'dockerfile',
    'check',
    '--build-arg',
    'USED=1',
    '--build-arg',
    'NOPE=2',
    file,
  );
  assert.equal(
    result.stdout,
    `${file}:1:1: UnusedBuildArg: Build argument "NOPE" is not consumed by any ARG of the ` +
      'stages built\n  fix: declare it with ARG, or stop passing --build-arg\n',
  );
  assert.equal(result.status, 0);
});

test('dockerfile check refuses a --build-arg without a name', (t) => {
  const file = tempDockerfile(t, 'FROM alpine\n');
  const message = 'error: invalid --build-arg "": empty name\n';
  const check = slipway('dockerfile', 'check', '--build-arg', '', file);
  assert.equal(check.stderr.split('  hint')[0], message);
  assert.equal(check.status, 2);
});

test('dockerfile check of a missing file or a folder says which, with no errno text', (t) => {
  const dir = join(tempDockerfile(t, ''), '..');
  for (const [file, why] of [
    [join(dir, 'Nope'), 'no such file'],
    [dir, 'is a directory'],
  ]) {
    const result = slipway('dockerfile', 'check', file as string);
    assert.equal(result.status, 2);
    assert.equal(
      result.stderr,
      `error: reading ${file}: ${why}\n  hint: name the Dockerfile itself (or - to read it from stdin)\n`,
    );
  }
});
