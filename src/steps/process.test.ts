import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
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
  // The sleep was in the script's process group: SIGKILL reaches it, but the
  // kernel may still be ending it for a moment, so wait (bounded) until it is
  // gone or a zombie being reaped.
  assert.equal(await gone(grandchild, 5000), true);
  assert.ok(grandchild > 0);
});

/** Whether `pid` has exited (gone, or a zombie) within `ms` milliseconds. */
async function gone(pid: number, ms: number): Promise<boolean> {
  for (const deadline = Date.now() + ms; Date.now() < deadline; ) {
    let state: string | undefined;
    try {
      state = readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ')[2];
    } catch {
      return true;
    }
    if (state === 'Z') return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return false;
}
