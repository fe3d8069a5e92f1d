import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StepFailedError } from '../errors/index.js';
import { runScript } from './process.js';

const env = { PATH: '/usr/bin:/bin' };

test('a script runs line by line and stops at the first failure', async () => {
  const lines: string[] = [];
  const failure = await runScript({
    script: 'echo one\necho two >&2\nfalse\necho never',
    cwd: '/',
    env,
    signal: new AbortController().signal,
    onLine: (line, stream) => lines.push(`${stream}:${line}`),
  }).catch((error: unknown) => error);
  assert.ok(failure instanceof StepFailedError);
  assert.equal(failure.message, 'commands exited with status 1');
  assert.equal(failure.exitCode, 1);
  assert.deepEqual(lines.sort(), ['stderr:two', 'stdout:one']);
});

test('aborting kills the whole process group, grandchildren included', async () => {
  const controller = new AbortController();
  let grandchild = 0;
  const run = runScript({
    script: 'sleep 300 & echo $!\nwait',
    cwd: '/',
    env,
    signal: controller.signal,
    onLine: (line) => {
      grandchild = Number(line);
      controller.abort(new Error('timed out'));
    },
  });
  await assert.rejects(run, /timed out/);
  // The sleep was in the script's process group, so it is gone (or a zombie being reaped).
  const alive = (() => {
    try {
      process.kill(grandchild, 0);
      return true;
    } catch {
      return false;
    }
  })();
  if (alive) {
    const { readFileSync } = await import('node:fs');
    const state = readFileSync(`/proc/${grandchild}/stat`, 'utf8').split(' ')[2];
    assert.equal(state, 'Z');
  }
  assert.ok(grandchild > 0);
});
