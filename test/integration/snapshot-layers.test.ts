// Snapshots with the layer module: base layers unpacked from real blobs, a
// RUN step's changes read as Change lists by both drivers, written as a
// layer, and that layer unpacked on top of its parent in a fresh store.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  createReadStream,
  createWriteStream,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runInSandbox } from '../../src/build/sandbox/index.js';
import { layerChanges, openSnapshotter, unpackBlob } from '../../src/build/snapshot/index.js';
import { type Change, diffTrees, writeLayer } from '../../src/layer/index.js';
import { makeBusyboxTree } from './busybox-rootfs.js';

const home = mkdtempSync(join(tmpdir(), 'slipway-snapshot-layers-'));
after(() => rmSync(home, { recursive: true, force: true }));

const chain = (name: string) => `sha256:${createHash('sha256').update(name).digest('hex')}`;
const summary = (changes: Change[]) => changes.map((c) => `${c.kind} ${c.path}`).sort();

async function blobOf(changes: Change[], name: string): Promise<string> {
  const file = join(home, `${name}.tar.gz`);
  await writeLayer(changes, createWriteStream(file));
  return file;
}

/** The base layer: a busybox tree plus files the step will change. */
const baseBlob = (async () => {
  const tree = join(home, 'base-tree');
  const empty = join(home, 'empty');
  mkdirSync(empty);
  mkdirSync(tree);
  makeBusyboxTree(tree);
  mkdirSync(join(tree, 'data', 'sub'), { recursive: true });
  writeFileSync(join(tree, 'data', 'old'), 'old');
  writeFileSync(join(tree, 'data', 'sub', 'old2'), 'old2');
  for (const name of ['owned', 'mode', 'xattr', 'gone']) writeFileSync(join(tree, name), name);
  return blobOf(await diffTrees(empty, tree), 'base');
})();

async function sh(rootfs: string, script: string) {
  const result = await runInSandbox({ rootfs, args: ['/bin/sh', '-c', script] });
  assert.equal(result.exitCode, 0);
}

const STEP =
  'echo new > /added; echo more >> /etc/passwd; rm /etc/group /gone; ' +
  'rm -rf /data && mkdir /data && echo fresh > /data/fresh; chown 1000:1000 /owned; chmod 600 /mode';

const EXPECTED = {
  overlay: ['add data', 'opaque data'],
  copy: ['add data', 'delete data/old', 'delete data/sub'],
};

for (const driver of ['overlay', 'copy'] as const) {
  test(`${driver}: a RUN step becomes a layer that unpacks onto its parent`, async () => {
    const snapshots = await openSnapshotter({
      changes: layerChanges,
      root: join(home, driver),
      driver,
    });
    const base = chain('base');
    const blob = await baseBlob;
    await snapshots.ensureLayer(
      base,
      undefined,
      unpackBlob(() => createReadStream(blob)),
    );

    const idle = await snapshots.prepare(snapshots.lowerDirs([base]));
    try {
      await sh(
        idle.root,
        'cat /etc/hosts /etc/resolv.conf > /dev/null; ls /proc /sys /dev > /dev/null',
      );
      assert.deepEqual(await idle.commit(), []);
    } finally {
      await idle.release();
    }

    const step = await snapshots.prepare(snapshots.lowerDirs([base]));
    let layer: string;
    try {
      await sh(step.root, STEP);
      execFileSync('setfattr', ['-n', 'user.note', '-v', 'hi', join(step.root, 'xattr')]);
      const changes = await step.commit();
      assert.deepEqual(
        summary(changes),
        [
          'add added',
          ...EXPECTED[driver],
          'add data/fresh',
          'add etc',
          'add etc/passwd',
          'add mode',
          'add owned',
          'add xattr',
          'delete etc/group',
          'delete gone',
        ].sort(),
      );
      layer = await blobOf(changes, `step-${driver}`);
    } finally {
      await step.release();
    }

    const fresh = await openSnapshotter({
      changes: layerChanges,
      root: join(home, `${driver}-2`),
      driver,
    });
    await fresh.ensureLayer(
      base,
      undefined,
      unpackBlob(() => createReadStream(blob)),
    );
    await fresh.ensureLayer(
      chain('step'),
      base,
      unpackBlob(() => createReadStream(layer)),
    );
    const view = await fresh.prepare(fresh.lowerDirs([base, chain('step')]));
    try {
      const root = view.root;
      assert.deepEqual(readdirSync(join(root, 'data')), ['fresh']);
      assert.deepEqual(readdirSync(join(root, 'etc')).sort(), ['passwd']);
      assert.equal(readFileSync(join(root, 'etc', 'passwd'), 'utf8').endsWith('more\n'), true);
      assert.equal(statSync(join(root, 'owned')).uid, 1000);
      assert.equal(statSync(join(root, 'mode')).mode & 0o777, 0o600);
      const note = execFileSync('getfattr', [
        '--only-values',
        '-n',
        'user.note',
        join(root, 'xattr'),
      ]);
      assert.equal(note.toString(), 'hi');
    } finally {
      await view.release();
    }
  });
}
