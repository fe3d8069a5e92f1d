import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { LONG_NAME, makeFixtureTree } from './fixture.js';
import { type Change, changesFromOverlayUpper, writeLayer } from './index.js';

const asRoot = { skip: process.getuid?.() !== 0 ? 'the fixture sets owners: needs root' : false };
let tree: string;
before(async () => {
  if (asRoot.skip === false) tree = await makeFixtureTree();
});
after(async () => {
  if (tree) await rm(tree, { recursive: true, force: true });
});

async function changes(): Promise<Change[]> {
  const added = await changesFromOverlayUpper(tree);
  return [...added, { kind: 'delete', path: 'etc/motd' }, { kind: 'opaque', path: 'deep' }];
}

function listing(file: string): string[] {
  const args = ['--numeric-owner', '--full-time', '-tvzf', file];
  const text = execFileSync('tar', args, { env: { ...process.env, TZ: 'UTC' } }).toString();
  return text
    .trimEnd()
    .split('\n')
    .map((line) => line.replace(/ +/g, ' '));
}

test('a layer written twice with SOURCE_DATE_EPOCH is byte-identical', asRoot, async () => {
  const first = `${tree}-1.tar.gz`;
  const second = `${tree}-2.tar.gz`;
  const options = { sourceDateEpoch: 1_700_000_000 };
  const a = await writeLayer(await changes(), createWriteStream(first), options);
  const b = await writeLayer((await changes()).reverse(), createWriteStream(second), options);
  assert.deepEqual(a, b);
  assert.deepEqual(await readFile(first), await readFile(second));
  // A tar this small is gzipped by zlib, with or without pigz installed.
  assert.deepEqual(a, {
    digest: 'sha256:1708c3869e982741108083b2cd2153f7aa732e423b0edf9d3f9f4ab871bbfb20',
    diffId: 'sha256:acc701a2bab9086fa3a3d7bd20614f4e9f122483d0161a9dcfa95a007cd155a1',
    size: 859,
    uncompressedSize: 19968,
    mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
  });
  await rm(first);
  await rm(second);
});

test('GNU tar reads the entries, order, owners, ns mtimes and links', asRoot, async () => {
  const file = `${tree}-list.tar.gz`;
  await writeLayer(await changes(), createWriteStream(file), { sourceDateEpoch: 1_700_000_000 });
  const epoch = '2023-11-14 22:13:20';
  const [deep, long] = LONG_NAME.split('/').slice(1);
  assert.deepEqual(listing(file), [
    'drwxr-xr-x 0/0 0 2020-09-13 12:26:48 bin/',
    '-rwxr-xr-x 0/0 15 2020-09-13 12:26:40.123456789 bin/busybox',
    'hrwxr-xr-x 0/0 0 2020-09-13 12:26:40.123456789 bin/ls link to bin/busybox',
    '-rwsr-xr-x 0/0 5 2020-09-13 12:26:42.5 bin/ping',
    'lrwxrwxrwx 7/8 0 2020-09-13 12:26:41 bin/sh -> busybox',
    'drwxr-xr-x 0/0 0 2020-09-13 12:26:47 deep/',
    `---------- 0/0 0 ${epoch} deep/.wh..wh..opq`,
    `drwxr-xr-x 0/0 0 2020-09-13 12:26:46 deep/${deep}/`,
    `-rw------- 1000/1000 5 2020-09-13 12:26:45.999999999 deep/${deep}/${long}`,
    'drwxr-xr-x 0/0 0 2020-09-13 12:26:51 dev/',
    'prw------- 0/0 0 2020-09-13 12:26:50 dev/initctl',
    'crw-rw-rw- 0/0 1,3 2020-09-13 12:26:49 dev/null',
    `drwxr-xr-x 0/0 0 ${epoch} etc/`,
    `---------- 0/0 0 ${epoch} etc/.wh.motd`,
    '-rw-r--r-- 0/0 11 2020-09-13 12:26:44 etc/caf\u00e9',
    `-rw-r--r-- 0/0 20 ${epoch} etc/hosts`,
    '-rw-r----- 0/42 15 2020-09-13 12:26:43 etc/shadow',
  ]);
  await rm(file);
});

test('without compression the blob is the tar: digest equals diffID', asRoot, async () => {
  const file = `${tree}-plain.tar`;
  const options = { sourceDateEpoch: 1_700_000_000, compression: 'none' as const };
  const written = await writeLayer(await changes(), createWriteStream(file), options);
  assert.equal(written.digest, written.diffId);
  assert.equal(written.size, written.uncompressedSize);
  assert.equal(written.mediaType, 'application/vnd.oci.image.layer.v1.tar');
  assert.equal(
    written.diffId,
    'sha256:acc701a2bab9086fa3a3d7bd20614f4e9f122483d0161a9dcfa95a007cd155a1',
  );
  await rm(file);
});

test('plainAbove: a tar longer than it stays plain, a shorter one is gzipped', asRoot, async () => {
  const epoch = { sourceDateEpoch: 1_700_000_000 };
  const file = `${tree}-sized`;
  const tarSize = (await writeLayer(await changes(), createWriteStream(file), epoch))
    .uncompressedSize;
  const small = await writeLayer(await changes(), createWriteStream(file), {
    ...epoch,
    plainAbove: tarSize,
  });
  assert.equal(small.mediaType, 'application/vnd.oci.image.layer.v1.tar+gzip');
  assert.notEqual(small.digest, small.diffId);
  const large = await writeLayer(await changes(), createWriteStream(file), {
    ...epoch,
    plainAbove: tarSize - 1,
  });
  assert.equal(large.mediaType, 'application/vnd.oci.image.layer.v1.tar');
  assert.equal(large.digest, large.diffId);
  assert.equal(large.size, tarSize);
  assert.equal(
    large.diffId,
    'sha256:acc701a2bab9086fa3a3d7bd20614f4e9f122483d0161a9dcfa95a007cd155a1',
  );
  await rm(file);
});

test('zstd layers decompress to the same tar', asRoot, async () => {
  const file = `${tree}.tar.zst`;
  const options = { sourceDateEpoch: 1_700_000_000, compression: 'zstd' as const };
  const written = await writeLayer(await changes(), createWriteStream(file), options);
  assert.equal(
    written.diffId,
    'sha256:acc701a2bab9086fa3a3d7bd20614f4e9f122483d0161a9dcfa95a007cd155a1',
  );
  assert.equal(written.mediaType, 'application/vnd.oci.image.layer.v1.tar+zstd');
  const tar = execFileSync('zstd', ['-d', '-c', file]);
  assert.equal(tar.length, written.uncompressedSize);
  await rm(file);
});
