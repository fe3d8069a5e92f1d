import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { cacheCopyDir, MAX_CACHE_COPIES, type OpenedCache, openCacheDir } from './cache-mount.js';

// Cache copies on a real folder: private makes a kept copy only when every
// copy is held, reuses the copies after, and stops keeping at the bound.

const owner = { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0, mode: 0o750 };

async function cacheRoot(): Promise<{ root: string; base: string; temp: string }> {
  const root = await mkdtemp(join(tmpdir(), 'slipway-cache-mount-'));
  return { root, base: join(root, 'mounts', 'abc'), temp: root };
}

test('private keeps a copy per concurrent user up to the bound, then throwaway ones', async () => {
  const { root, base, temp } = await cacheRoot();
  const held: OpenedCache[] = [];
  for (let n = 0; n < MAX_CACHE_COPIES; n++) {
    held.push(await openCacheDir(base, 'private', owner, temp));
  }
  assert.deepEqual(
    held.map((c) => [c.dir, c.kept]),
    Array.from({ length: MAX_CACHE_COPIES }, (_, n) => [cacheCopyDir(base, n), true]),
  );
  assert.equal((await stat(held[1]?.dir ?? '')).mode & 0o7777, 0o750);

  const extra = await openCacheDir(base, 'private', owner, temp);
  assert.equal(extra.kept, false);
  assert.equal(extra.dir.startsWith(join(temp, 'cache-')), true);
  await writeFile(join(extra.dir, 'lost'), 'x');
  await extra.release();
  await assert.rejects(stat(extra.dir), { code: 'ENOENT' });

  for (const cache of held) await cache.release();
  const names = (await readdir(join(root, 'mounts'))).sort();
  assert.deepEqual(names, ['abc', 'abc-copy1', 'abc-copy2', 'abc-copy3']);
  await rm(root, { recursive: true });
});

test('a released copy is reused with its content; later users may get any copy', async () => {
  const { root, base, temp } = await cacheRoot();
  const first = await openCacheDir(base, 'private', owner, temp);
  const second = await openCacheDir(base, 'private', owner, temp);
  await writeFile(join(second.dir, 'mark'), 'second');
  await second.release();

  const again = await openCacheDir(base, 'private', owner, temp);
  assert.equal(again.dir, cacheCopyDir(base, 1));
  assert.deepEqual(await readdir(again.dir), ['mark']);
  await again.release();
  await first.release();

  const later = await openCacheDir(base, 'private', owner, temp);
  assert.equal(later.dir, base);
  await later.release();
  await rm(root, { recursive: true });
});

test('shared uses the first copy; locked takes a free copy, waits while all are held', async () => {
  const { root, base, temp } = await cacheRoot();
  const locked = await openCacheDir(base, 'locked', owner, temp);
  assert.equal(locked.dir, base);
  const shared = await openCacheDir(base, 'shared', owner, temp);
  assert.equal(shared.dir, base);
  const priv = await openCacheDir(base, 'private', owner, temp);
  assert.equal(priv.dir, cacheCopyDir(base, 1));
  await priv.release();

  const second = await openCacheDir(base, 'locked', owner, temp);
  assert.equal(second.dir, cacheCopyDir(base, 1));
  const waiting = openCacheDir(base, 'locked', owner, temp);
  await second.release();
  const third = await waiting;
  assert.equal(third.dir, cacheCopyDir(base, 1));
  await third.release();
  await shared.release();
  await locked.release();
  assert.deepEqual((await readdir(join(root, 'mounts'))).sort(), ['abc', 'abc-copy1']);
  await rm(root, { recursive: true });
});
