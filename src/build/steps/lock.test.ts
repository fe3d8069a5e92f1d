import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { lockHeld, tryDirLock } from './lock.js';

// The cache-mount lock: held while its folder exists; a dead owner's lock is broken.

async function lockPath(): Promise<{ dir: string; path: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-lock-'));
  return { dir, path: join(dir, 'cache.lock') };
}

test('a held lock makes a try fail and a release frees it', async () => {
  const { dir, path } = await lockPath();
  const release = await tryDirLock(path);
  assert.equal(typeof release, 'function');
  assert.equal(await tryDirLock(path), undefined);
  await release?.();
  const again = await tryDirLock(path);
  assert.equal(typeof again, 'function');
  await again?.();
  await rm(dir, { recursive: true });
});

test('a lock left by a process that died is broken, not waited for', {
  timeout: 10_000,
}, async () => {
  const { dir, path } = await lockPath();
  const dead = spawnSync('true').pid;
  await mkdir(path);
  await writeFile(join(path, 'owner'), JSON.stringify({ pid: dead, host: hostname() }));
  const release = await tryDirLock(path);
  assert.equal((await stat(path)).isDirectory(), true);
  await release?.();
  assert.deepEqual(await readdir(dir), []);
  await rm(dir, { recursive: true });
});

test('a lock of a live process on another host is left alone', async () => {
  const { dir, path } = await lockPath();
  await mkdir(path);
  const owner = { pid: process.pid, host: `not-${hostname()}` };
  await writeFile(join(path, 'owner'), JSON.stringify(owner));
  assert.equal(await tryDirLock(path), undefined);
  await rm(dir, { recursive: true });
});

test('lockHeld: absent or dead is free (the dead lock is broken), live is held', async () => {
  const { dir, path } = await lockPath();
  assert.equal(await lockHeld(path), false);
  const release = await tryDirLock(path);
  assert.equal(await lockHeld(path), true);
  await release?.();
  await mkdir(path);
  const dead = spawnSync('true').pid;
  await writeFile(join(path, 'owner'), JSON.stringify({ pid: dead, host: hostname() }));
  assert.equal(await lockHeld(path), false);
  assert.deepEqual(await readdir(dir), []);
  await rm(dir, { recursive: true });
});
