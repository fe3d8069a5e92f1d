import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { dirVisibility } from './local-base.js';

// A named context directory's own .dockerignore, as FROM and COPY --from read it.

test('a named directory without .dockerignore hides nothing', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-visibility-'));
  try {
    assert.deepEqual(await dirVisibility(dir), {});
  } finally {
    await rm(dir, { recursive: true });
  }
});

test("a named directory's .dockerignore hides its patterns, ! exceptions kept", async () => {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-visibility-'));
  try {
    await writeFile(join(dir, '.dockerignore'), '# secrets\n*.key\nlogs\n!logs/keep.txt\n');
    const { visible, descendHidden } = await dirVisibility(dir);
    const paths = ['a.key', 'sub/a.key', 'app.conf', 'logs', 'logs/old.txt', 'logs/keep.txt'];
    assert.deepEqual(
      paths.map((path) => visible?.(path)),
      [false, true, true, false, false, true],
    );
    assert.equal(descendHidden?.('logs'), true);
  } finally {
    await rm(dir, { recursive: true });
  }
});

test('a .dockerignore that is a folder is no ignore file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-visibility-'));
  try {
    await mkdir(join(dir, '.dockerignore'));
    assert.deepEqual(await dirVisibility(dir), {});
  } finally {
    await rm(dir, { recursive: true });
  }
});
