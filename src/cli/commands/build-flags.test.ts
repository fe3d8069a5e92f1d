import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';

// `slipway build` flags that are wrong fail at once, before the context is even
// looked at (a missing one would otherwise be the error) and before any step.

const bin = fileURLToPath(new URL('../bin.js', import.meta.url));
const home = mkdtempSync(join(tmpdir(), 'slipway-build-flags-'));
after(() => rmSync(home, { recursive: true, force: true }));

function build(...args: string[]) {
  const env = { ...process.env, SLIPWAY_HOME: home };
  const result = spawnSync(process.execPath, [bin, 'build', ...args, join(home, 'missing')], {
    encoding: 'utf8',
    env,
  });
  return { status: result.status, stderr: result.stderr };
}

test('a --build-arg without a name is a usage error naming the flag', () => {
  for (const value of ['', '=x']) {
    assert.deepEqual(build('--build-arg', value), {
      status: 2,
      stderr:
        `error: invalid --build-arg ${JSON.stringify(value)}: empty name\n` +
        '  hint: write --build-arg NAME=VALUE, or --build-arg NAME to take $NAME\n',
    });
  }
});

test('--platform windows/amd64 is refused: slipway builds Linux images only', () => {
  assert.deepEqual(build('--platform', 'windows/amd64'), {
    status: 2,
    stderr:
      'error: --platform windows/amd64: operating system windows is not supported: ' +
      'slipway builds Linux images only\n  hint: build for Linux, e.g. --platform linux/amd64\n',
  });
  // Refused before the build opened its store.
  assert.equal(existsSync(join(home, 'store')), false);
});
