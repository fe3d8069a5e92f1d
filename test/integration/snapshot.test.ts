// Snapshots on real overlayfs (and the copy driver): layers unpacked once by
// chain ID, a RUN step's changes captured from the upper directory, kept
// layers reused as lowers, long chains stacked, stale mounts removed.

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runInSandbox } from '../../src/build/sandbox/index.js';
import { type ChangeReader, mountPoints, openSnapshotter } from '../../src/build/snapshot/index.js';
import { overlayUnavailable } from '../../src/build/snapshot/probe.js';
import type { SlipwayEvent } from '../../src/log/index.js';
import { makeBusyboxTree } from './busybox-rootfs.js';
import { listUpper } from './overlay-listing.js';

const home = mkdtempSync(join(tmpdir(), 'slipway-snapshots-'));
after(() => rmSync(home, { recursive: true, force: true }));

const chain = (name: string) => `sha256:${createHash('sha256').update(name).digest('hex')}`;

/** Overlay: the upper listing; copy: both trees, for the test to inspect. */
const reader: ChangeReader<{ upper?: string[]; lower?: string; tree?: string }> = {
  fromOverlayUpper: async (upperDir) => ({ upper: listUpper(upperDir) }),
  fromTrees: async (lower, tree) => ({ lower, tree }),
};

/** Stands in for applyLayer: the base layer and one with overlay whiteouts. */
async function unpackBase(dir: string) {
  makeBusyboxTree(dir);
  mkdirSync(join(dir, 'data', 'sub'), { recursive: true });
  writeFileSync(join(dir, 'data', 'old'), 'old');
  writeFileSync(join(dir, 'data', 'sub', 'old2'), 'old2');
  for (const name of ['owned', 'mode', 'xattr', 'gone']) writeFileSync(join(dir, name), name);
}

async function run(rootfs: string, script: string) {
  const output: string[] = [];
  const result = await runInSandbox({
    rootfs,
    args: ['/bin/sh', '-c', script],
    onStdout: (line) => output.push(line),
    onStderr: (line) => output.push(line),
  });
  assert.equal(result.exitCode, 0, output.join('\n'));
  return output;
}

test('overlay: unpacks once, captures a RUN step, and reuses it as a lower', async () => {
  const root = join(home, 'overlay');
  const events: SlipwayEvent[] = [];
  const snapshots = await openSnapshotter({ changes: reader, root, emit: (e) => events.push(e) });
  assert.equal(snapshots.driver, 'overlay');
  assert.deepEqual(
    events.filter((e) => e.kind === 'snapshot.driver').map((e) => e.driver),
    ['overlay'],
  );
  let unpacks = 0;
  const unpack = async (dir: string, whiteouts: string) => {
    unpacks++;
    assert.equal(whiteouts, 'overlay');
    await unpackBase(dir);
  };
  const base = chain('base');
  await snapshots.ensureLayer(base, undefined, unpack);
  await snapshots.ensureLayer(base, undefined, unpack);
  const again = await openSnapshotter({ changes: reader, root });
  await again.ensureLayer(base, undefined, unpack);
  assert.equal(unpacks, 1);
  // Two stages on one new base at once: one unpack, both get its folder.
  const shared = chain('shared');
  const [first, second] = await Promise.all([
    snapshots.ensureLayer(shared, undefined, unpack),
    snapshots.ensureLayer(shared, undefined, unpack),
  ]);
  assert.equal(unpacks, 2);
  assert.equal(first, second);

  const step = await snapshots.prepare(snapshots.lowerDirs([base]));
  try {
    await run(
      step.root,
      'echo new > /added; echo more >> /etc/passwd; rm /etc/group /gone; ' +
        'rm -rf /data && mkdir /data && echo fresh > /data/fresh; ' +
        'chown 1000:1000 /owned; chmod 600 /mode; cat /etc/hosts > /dev/null',
    );
    execFileSync('setfattr', ['-n', 'user.note', '-v', 'hi', join(step.root, 'xattr')]);
    const changes = await step.commit();
    assert.deepEqual(changes.upper, [
      'added file 644 0:0',
      'data dir 755 0:0 opaque',
      'data/fresh file 644 0:0',
      'etc dir 755 0:0',
      'etc/group whiteout',
      'etc/passwd file 644 0:0',
      'gone whiteout',
      'mode file 600 0:0',
      'owned file 644 1000:1000',
      'xattr file 644 0:0 user.note="hi"',
    ]);
    await step.keep(chain('step'));
  } finally {
    await step.release();
  }
  assert.equal(
    (await mountPoints()).some((m) => m.startsWith(root)),
    false,
  );

  const next = await snapshots.prepare(snapshots.lowerDirs([base, chain('step')]));
  try {
    assert.deepEqual(readdirSync(join(next.root, 'data')), ['fresh']);
    assert.equal(existsSync(join(next.root, 'etc', 'group')), false);
    assert.equal(readFileSync(join(next.root, 'added'), 'utf8'), 'new\n');
  } finally {
    await next.release();
  }
});

test('overlay: a chain longer than one mount option page is stacked', async () => {
  const snapshots = await openSnapshotter({ changes: reader, root: join(home, 'stack') });
  const ids = Array.from({ length: 70 }, (_, i) => chain(`layer-${i}`));
  for (const [i, id] of ids.entries()) {
    await snapshots.ensureLayer(id, ids[i - 1], async (dir) => {
      writeFileSync(join(dir, `f${i}`), `${i}`);
      writeFileSync(join(dir, 'top'), `${i}`);
    });
  }
  const step = await snapshots.prepare(snapshots.lowerDirs(ids));
  try {
    assert.equal(readdirSync(step.root).length, 71);
    assert.equal(readFileSync(join(step.root, 'top'), 'utf8'), '69');
    assert.equal(readFileSync(join(step.root, 'f0'), 'utf8'), '0');
    writeFileSync(join(step.root, 'f3'), 'changed');
    assert.deepEqual((await step.commit()).upper, ['f3 file 644 0:0']);
  } finally {
    await step.release();
  }
  assert.equal(
    (await mountPoints()).some((m) => m.startsWith(snapshots.root)),
    false,
  );
});

for (const driver of ['overlay', 'copy'] as const) {
  test(`${driver}: a scratch parent starts empty`, async () => {
    const snapshots = await openSnapshotter({
      changes: reader,
      root: join(home, `scratch-${driver}`),
      driver,
    });
    const step = await snapshots.prepare([]);
    try {
      assert.deepEqual(readdirSync(step.root), []);
      writeFileSync(join(step.root, 'hello'), 'hi');
      const changes = await step.commit();
      if (driver === 'overlay') assert.deepEqual(changes.upper, ['hello file 644 0:0']);
      else assert.deepEqual(readdirSync(changes.tree!), ['hello']);
    } finally {
      await step.release();
    }
  });
}

test('copy: full trees per chain ID, the parent left untouched', async () => {
  const snapshots = await openSnapshotter({
    changes: reader,
    root: join(home, 'copy'),
    driver: 'copy',
  });
  const base = chain('copy-base');
  await snapshots.ensureLayer(base, undefined, async (dir, whiteouts) => {
    assert.equal(whiteouts, 'apply');
    await unpackBase(dir);
  });
  const child = chain('copy-child');
  await snapshots.ensureLayer(child, base, async (dir) => writeFileSync(join(dir, 'child'), 'c'));
  assert.ok(existsSync(join(snapshots.layerDir(child), 'bin', 'busybox')));

  const step = await snapshots.prepare(snapshots.lowerDirs([base, child]));
  try {
    await run(step.root, 'rm /gone; echo x > /added');
    const { lower, tree } = await step.commit();
    assert.equal(lower, snapshots.layerDir(child));
    assert.equal(existsSync(join(lower!, 'gone')), true);
    assert.equal(existsSync(join(tree!, 'gone')), false);
    assert.equal(existsSync(join(tree!, 'proc')), false);
  } finally {
    await step.release();
  }
});

test('stale mounts and folders of a killed build are removed at start', async () => {
  const root = join(home, 'stale');
  await openSnapshotter({ changes: reader, root });
  const dead = spawnSync('true').pid!;
  const leftover = join(root, 'work', `${dead}-step-abc`, 'merged');
  mkdirSync(leftover, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', 'tmpfs', leftover]);
  const events: SlipwayEvent[] = [];
  await openSnapshotter({ changes: reader, root, emit: (e) => events.push(e) });
  assert.equal((await mountPoints()).includes(leftover), false);
  assert.equal(existsSync(join(root, 'work', `${dead}-step-abc`)), false);
  assert.deepEqual(events.find((e) => e.kind === 'snapshot.stale')?.removed, [
    join(root, 'work', `${dead}-step-abc`),
  ]);
});

test('a passed overlay probe is recorded and later opens on the same kernel skip it', async () => {
  const root = mkdtempSync(join(home, 'probe-'));
  await openSnapshotter({ root, changes: reader });
  const record = readFileSync(join(root, 'overlay-probe'), 'utf8');
  assert.equal(record, `${release()} ${statSync(root).dev}\n`);
  // A probe in a folder that cannot be made fails, unless the record vouches for the host.
  writeFileSync(join(root, 'not-a-dir'), '');
  assert.equal(await overlayUnavailable(root, join('not-a-dir', 'probe')), undefined);
  writeFileSync(join(root, 'overlay-probe'), 'another-kernel 1\n');
  assert.match((await overlayUnavailable(root, join('not-a-dir', 'probe'))) ?? '', /ENOTDIR/);
});
