import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { directoryRepository } from '../../pipeline/artifact-repository-dir.js';

const bin = new URL('../../../../dist/src/cli/bin.js', import.meta.url).pathname;
const run = promisify(execFile);

test('artifacts list shows stored versions and get writes one to a file', async () => {
  const home = await mkdtemp(join(tmpdir(), 'slipway-cli-'));
  try {
    await writeFile(join(home, 'a'), 'one');
    await writeFile(join(home, 'b'), 'two');
    const repo = directoryRepository('default', join(home, 'artifacts', 'default'));
    const first = await repo.put('output', join(home, 'a'), { kind: 'next' });
    await repo.put('output', join(home, 'b'), { kind: 'next' });
    const env = { ...process.env, SLIPWAY_HOME: home };

    const list = await run(process.execPath, [bin, 'artifacts', 'list', 'default'], { env });
    const lines = list.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 3);
    assert.deepEqual(lines[1]?.split(/\s+/).slice(0, 5), [
      'default',
      'output',
      '1',
      '3',
      first.sha256.slice(0, 12),
    ]);

    const out = join(home, 'got.tar.gz');
    const get = await run(
      process.execPath,
      [bin, 'artifacts', 'get', 'default', 'output', '1', '-o', out],
      {
        env,
      },
    );
    assert.equal(get.stdout, `default output 1 sha256:${first.sha256}\n`);
    assert.equal(await readFile(out, 'utf8'), 'one');

    const missing = run(process.execPath, [bin, 'artifacts', 'list', 'nope'], { env });
    await assert.rejects(missing, (error: { code: number; stderr: string }) => {
      assert.equal(error.code, 2);
      assert.match(error.stderr, /artifact repository "nope" is not configured/);
      return true;
    });
  } finally {
    await rm(home, { recursive: true, force: true });
  }
});
