import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { linkSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { compareTrees } from './compare.js';
import { applyLayer, hardlinkGroups, type LayerAnomaly, type Rootfs } from './rootfs.js';
import { readTar } from './tar.js';

/** A layer tar made by GNU tar from files written into a fresh folder. */
function layer(fill: (dir: string) => void): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'bench-layer-'));
  try {
    fill(dir);
    return execFileSync('tar', ['-C', dir, '--sort=name', '--format=posix', '-cf', '-', '.']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function unpack(...layers: Buffer[]): { rootfs: Rootfs; anomalies: LayerAnomaly[] } {
  const rootfs: Rootfs = new Map();
  const anomalies: LayerAnomaly[] = [];
  layers.forEach((tar, i) => {
    applyLayer(rootfs, readTar(tar), i + 1, anomalies);
  });
  return { rootfs, anomalies };
}

const base = layer((dir) => {
  mkdirSync(join(dir, 'etc/sub'), { recursive: true });
  writeFileSync(join(dir, 'etc/sub/a'), 'a');
  writeFileSync(join(dir, 'etc/keep'), 'keep', { mode: 0o600 });
  writeFileSync(join(dir, 'f'), 'one');
  linkSync(join(dir, 'f'), join(dir, 'g'));
  symlinkSync('etc/keep', join(dir, 'link'));
});

test('whiteouts remove files and opaque directories hide lower contents', () => {
  const upper = layer((dir) => {
    mkdirSync(join(dir, 'etc/sub'), { recursive: true });
    writeFileSync(join(dir, 'etc/sub/.wh..wh..opq'), '');
    writeFileSync(join(dir, 'etc/sub/b'), 'b');
    writeFileSync(join(dir, '.wh.link'), '');
  });
  const { rootfs } = unpack(base, upper);
  assert.deepEqual([...rootfs.keys()].sort(), [
    '/',
    '/etc',
    '/etc/keep',
    '/etc/sub',
    '/etc/sub/b',
    '/f',
    '/g',
  ]);
  assert.equal(rootfs.get('/etc/keep')?.mode, 0o600);
});

/** A copy of `tar` whose hardlink entries name their target with a leading '/'. */
function absoluteHardlinks(tar: Buffer): Buffer {
  const copy = Buffer.from(tar);
  for (let at = 0; at + 512 <= copy.length; at += 512) {
    if (copy[at + 156] !== 0x31 || copy.toString('ascii', at + 257, at + 262) !== 'ustar') continue;
    const target = copy.toString('utf8', at + 157, at + 257).replace(/\0.*$/s, '');
    copy.fill(0, at + 157, at + 257);
    copy.write(`/${target.replace(/^\.\//, '')}`, at + 157);
    copy.fill(0x20, at + 148, at + 156);
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += copy[at + i]!;
    copy.write(`${sum.toString(8).padStart(6, '0')}\0 `, at + 148, 'ascii');
  }
  return copy;
}

test('hardlinks form groups and an absolute link target is reported', () => {
  const relative = unpack(base);
  assert.deepEqual(hardlinkGroups(relative.rootfs).get('/f'), ['/g']);
  assert.deepEqual(relative.anomalies, []);
  const absolute = unpack(absoluteHardlinks(base));
  assert.deepEqual(hardlinkGroups(absolute.rootfs).get('/g'), ['/f']);
  assert.deepEqual(absolute.anomalies, [
    { layer: 1, path: '/g', problem: 'absolute hardlink target /f' },
  ]);
});

test('tree comparison names each differing field', () => {
  const other = layer((dir) => {
    mkdirSync(join(dir, 'etc/sub'), { recursive: true });
    writeFileSync(join(dir, 'etc/sub/a'), 'A');
    writeFileSync(join(dir, 'etc/keep'), 'keep', { mode: 0o644 });
    writeFileSync(join(dir, 'f'), 'one');
    writeFileSync(join(dir, 'g'), 'one');
    symlinkSync('etc/other', join(dir, 'link'));
  });
  const differences = compareTrees(unpack(base).rootfs, unpack(other).rootfs, ['ref', 'new']);
  assert.deepEqual(differences, [
    '/etc/keep: mode 0600 (ref) vs 0644 (new)',
    '/etc/sub/a: content "a" (ref) vs "A" (new)',
    '/f: hardlinks /g (ref) vs  (new)',
    '/g: hardlinks /f (ref) vs  (new)',
    '/link: type symlink -> etc/keep (ref) vs symlink -> etc/other (new)',
  ]);
});
