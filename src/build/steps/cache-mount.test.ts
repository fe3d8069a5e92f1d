import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { cacheCopyDir, MAX_CACHE_COPIES, type OpenedCache, openCacheDir } from './cache-mount.js';

// Cache copies on a real folder: private makes a kept copy only when every
// copy is held, reuses the copies after, and stops keeping at the bound;
// shared users hold a copy together, apart from the steps that want one alone.

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

test('shared users hold a copy together; one wanting it alone takes another or waits', async () => {
  const { root, base, temp } = await cacheRoot();
  const shared = await openCacheDir(base, 'shared', owner, temp);
  const sharedToo = await openCacheDir(base, 'shared', owner, temp);
  assert.deepEqual([shared.dir, sharedToo.dir], [base, base]);
  const priv = await openCacheDir(base, 'private', owner, temp);
  assert.equal(priv.dir, cacheCopyDir(base, 1));

  const waiting = openCacheDir(base, 'locked', owner, temp);
  await shared.release();
  await priv.release();
  const locked = await waiting;
  assert.equal(locked.dir, cacheCopyDir(base, 1));
  await locked.release();
  await sharedToo.release();
  const copies = (await readdir(join(root, 'mounts'))).filter((n) => !n.endsWith('.shared'));
  assert.deepEqual(copies.sort(), ['abc', 'abc-copy1']);
  await rm(root, { recursive: true });
});

test('a step holding a copy alone sends shared users to another copy, together', async () => {
  const { root, base, temp } = await cacheRoot();
  const locked = await openCacheDir(base, 'locked', owner, temp);
  const shared = await openCacheDir(base, 'shared', owner, temp);
  const sharedToo = await openCacheDir(base, 'shared', owner, temp);
  assert.deepEqual(
    [locked.dir, shared.dir, sharedToo.dir],
    [base, cacheCopyDir(base, 1), cacheCopyDir(base, 1)],
  );
  for (const cache of [locked, shared, sharedToo]) await cache.release();
  await rm(root, { recursive: true });
});

test('the mark of a shared user that died does not hold the copy', async () => {
  const { root, base, temp } = await cacheRoot();
  const dead = spawnSync('true').pid;
  await mkdir(`${base}.shared`, { recursive: true });
  await writeFile(join(`${base}.shared`, 'gone'), JSON.stringify({ pid: dead, host: hostname() }));
  const priv = await openCacheDir(base, 'private', owner, temp);
  assert.equal(priv.dir, base);
  assert.deepEqual(await readdir(`${base}.shared`), []);
  await priv.release();
  await rm(root, { recursive: true });
});
