import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { applyLayer } from './apply.js';
import { craftTar, dir, file } from './tar-craft.js';
import { readXattr } from './xattr.js';

const asRoot = { skip: process.getuid?.() !== 0 ? 'devices and trusted xattrs need root' : false };
let scratch: string;
before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'slipway-whiteout-'));
});
after(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** A lower layer: etc/motd, etc/keep, opt/old, opt/sub/deeper. */
async function lowerTree(name: string): Promise<string> {
  const root = join(scratch, name);
  await mkdir(join(root, 'etc'), { recursive: true });
  await mkdir(join(root, 'opt', 'sub'), { recursive: true });
  await writeFile(join(root, 'etc', 'motd'), 'hello\n');
  await writeFile(join(root, 'etc', 'keep'), 'keep\n');
  await writeFile(join(root, 'opt', 'old'), 'old\n');
  await writeFile(join(root, 'opt', 'sub', 'deeper'), 'deeper\n');
  return root;
}

const upper = craftTar([
  dir('etc/'),
  file('etc/.wh.motd', ''),
  dir('opt/'),
  file('opt/.wh..wh..opq', ''),
  file('opt/new', 'new\n'),
  file('gone/.wh.nothing', ''),
]);

test('apply: a whiteout deletes, an opaque marker empties the directory', async () => {
  const root = await lowerTree('apply');
  const applied = await applyLayer(Readable.from([upper]), root);
  assert.equal(applied.entries, 6);
  assert.deepEqual((await readdir(join(root, 'etc'))).sort(), ['keep']);
  assert.deepEqual(await readdir(join(root, 'opt')), ['new']);
  assert.deepEqual((await readdir(root)).sort(), ['etc', 'opt']);
});

test('apply: an opaque marker after new entries keeps what this layer wrote', async () => {
  const root = await lowerTree('late-opaque');
  const tar = craftTar([dir('opt/'), file('opt/new', 'n'), file('opt/.wh..wh..opq', '')]);
  await applyLayer(Readable.from([tar]), root);
  assert.deepEqual(await readdir(join(root, 'opt')), ['new']);
});

test('overlay: whiteouts become 0/0 devices and the opaque xattr', asRoot, async () => {
  const root = join(scratch, 'overlay');
  await applyLayer(Readable.from([upper]), root, { whiteouts: 'overlay' });
  const device = await stat(join(root, 'etc', 'motd'));
  assert.equal(device.isCharacterDevice(), true);
  assert.equal(device.rdev, 0);
  assert.equal((await readXattr(join(root, 'opt'), 'trusted.overlay.opaque'))?.toString(), 'y');
  assert.deepEqual((await readdir(join(root, 'opt'))).sort(), ['new']);
  const nothing = await stat(join(root, 'gone', 'nothing'));
  assert.equal(nothing.isCharacterDevice(), true);
});
