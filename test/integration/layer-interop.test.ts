// The layer format against other implementations and the kernel: a layer
// captured from a real overlayfs upper dir reproduces the merged tree when
// applied (both whiteout styles), umoci unpacks slipway's OCI layout to the
// same tree, and skopeo reads slipway's docker-archive.

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { describeTree, makeFixtureTree } from '../../src/layer/fixture.js';
import {
  applyLayer,
  changesFromOverlayUpper,
  writeLayer,
  writeXattr,
} from '../../src/layer/index.js';
import { appendLayer, emptyImage, encodeImage } from '../../src/mutate/index.js';
import { openDockerArchive, writeDockerArchive } from '../../src/store/docker-archive.js';
import { openStore } from '../../src/store/index.js';

const root = process.getuid?.() === 0;
let scratch: string;
let fixture: string;
before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'slipway-layer-interop-'));
  if (root) fixture = await makeFixtureTree();
});
after(async () => {
  spawnSync('umount', [join(scratch, 'merged')]);
  spawnSync('umount', [join(scratch, 'merged2')]);
  await rm(scratch, { recursive: true, force: true });
  if (fixture) await rm(fixture, { recursive: true, force: true });
});

function mountOverlay(lower: string, upper: string, work: string, merged: string): boolean {
  const options = `lowerdir=${lower},upperdir=${upper},workdir=${work}`;
  return spawnSync('mount', ['-t', 'overlay', 'overlay', '-o', options, merged]).status === 0;
}

test('a layer from an overlayfs upper dir rebuilds the merged tree', {
  skip: !root && 'needs root',
}, async (t) => {
  const [upper, work, merged] = ['upper', 'work', 'merged'].map((d) => join(scratch, d)) as [
    string,
    string,
    string,
  ];
  for (const dir of [upper, work, merged]) await mkdir(dir);
  if (!mountOverlay(fixture, upper, work, merged)) {
    t.skip('this kernel cannot mount overlayfs here');
    return;
  }
  // A RUN step's worth of changes: add, modify, delete, replace a directory.
  await writeFile(join(merged, 'etc', 'new.conf'), 'new\n');
  await chmod(join(merged, 'etc', 'hosts'), 0o600);
  await unlink(join(merged, 'etc', 'shadow'));
  await rm(join(merged, 'deep'), { recursive: true });
  await mkdir(join(merged, 'deep'));
  await writeFile(join(merged, 'deep', 'fresh'), 'fresh\n');
  await writeXattr(join(merged, 'etc', 'new.conf'), 'user.kept', Buffer.from('1'));
  const expected = await describeTree(merged);
  execFileSync('umount', [merged]);

  const changes = await changesFromOverlayUpper(upper);
  assert.deepEqual(
    changes.filter((c) => c.kind !== 'add').map((c) => `${c.kind} ${c.path}`),
    ['opaque deep', 'delete etc/shadow'],
  );
  const blob = join(scratch, 'upper.tar.gz');
  const written = await writeLayer(changes, createWriteStream(blob));

  // Applied with whiteouts carried out, onto a copy of the lower tree.
  const applied = join(scratch, 'applied');
  execFileSync('cp', ['-a', fixture, applied]);
  const result = await applyLayer(createReadStream(blob), applied);
  assert.equal(result.diffId, written.diffId);
  assert.deepEqual(await describeTree(applied), expected);

  // Extracted with overlay whiteouts, the layer works as a lowerdir.
  const extracted = join(scratch, 'extracted');
  await applyLayer(createReadStream(blob), extracted, { whiteouts: 'overlay' });
  const merged2 = join(scratch, 'merged2');
  await mkdir(merged2);
  const lowers = `lowerdir=${extracted}:${fixture}`;
  execFileSync('mount', ['-t', 'overlay', 'overlay', '-o', lowers, merged2]);
  try {
    assert.deepEqual(await describeTree(merged2), expected);
  } finally {
    execFileSync('umount', [merged2]);
  }
});

async function fixtureImage() {
  const store = await openStore(join(scratch, 'layout'));
  const blob = join(scratch, 'fixture.tar.gz');
  const options = { sourceDateEpoch: 1_700_000_000 };
  const layer = await writeLayer(
    await changesFromOverlayUpper(fixture),
    createWriteStream(blob),
    options,
  );
  await store.writeBlob(createReadStream(blob), { digest: layer.digest, size: layer.size });
  const base = emptyImage({ os: 'linux', architecture: 'amd64' });
  const descriptor = { mediaType: layer.mediaType, digest: layer.digest, size: layer.size };
  const image = appendLayer(
    base.config,
    base.manifest,
    { descriptor, diffId: layer.diffId },
    {
      created_by: 'test fixture',
    },
  );
  const encoded = encodeImage(image.config, image.manifest);
  await store.writeBlob(encoded.config.bytes);
  await store.pushManifest(encoded.manifest, 'fixture');
  return { store, encoded, layer };
}

test("umoci unpacks slipway's OCI layout to the same tree", {
  skip: !root && 'needs root',
}, async () => {
  const { store } = await fixtureImage();
  const bundle = join(scratch, 'bundle');
  execFileSync('umoci', ['unpack', '--image', `${store.dir}:fixture`, bundle]);
  const unpacked = await describeTree(join(bundle, 'rootfs'));
  const original = await describeTree(fixture);
  // SOURCE_DATE_EPOCH clamped the later mtimes; all else must be equal.
  const clamp = (tree: Record<string, { mtime: string }>) =>
    Object.fromEntries(
      Object.entries(tree).map(([path, entry]) => [
        path,
        {
          ...entry,
          mtime: String(
            BigInt(entry.mtime) > 1_700_000_000_000_000_000n
              ? 1_700_000_000_000_000_000n
              : BigInt(entry.mtime),
          ),
        },
      ]),
    );
  assert.deepEqual(unpacked, clamp(original));
});

test("skopeo reads slipway's docker-archive; slipway reads skopeo's", {
  skip: !root && 'needs root',
}, async () => {
  const { store, encoded, layer } = await fixtureImage();
  const file = join(scratch, 'fixture-docker.tar');
  await writeDockerArchive(store, encoded.manifest, ['fixture:1'], createWriteStream(file));
  const inspected = JSON.parse(
    execFileSync('skopeo', ['inspect', `docker-archive:${file}`]).toString(),
  );
  // skopeo names docker-archive layers by their uncompressed digest.
  assert.deepEqual(inspected.Layers, [layer.diffId]);
  assert.equal(inspected.Architecture, 'amd64');
  const layout = join(scratch, 'via-skopeo');
  execFileSync('skopeo', ['copy', `docker-archive:${file}`, `oci:${layout}:fixture`]);
  const bundle = join(scratch, 'bundle-via-skopeo');
  execFileSync('umoci', ['unpack', '--image', `${layout}:fixture`, bundle]);
  assert.equal(
    await readFile(join(bundle, 'rootfs', 'etc', 'hosts'), 'utf8'),
    '127.0.0.1 localhost\n',
  );

  const copied = join(scratch, 'skopeo-archive.tar');
  execFileSync('skopeo', [
    'copy',
    `oci:${store.dir}:fixture`,
    `docker-archive:${copied}:fixture:2`,
  ]);
  const archive = await openDockerArchive(copied);
  const [image] = archive.manifests;
  assert.deepEqual(image?.tags, ['docker.io/library/fixture:2']);
  const manifest = JSON.parse(String(image?.raw.bytes));
  assert.equal(manifest.layers.length, 1);
  const content = await archive.source.fetchBlob(manifest.layers[0]);
  const applied = join(scratch, 'from-skopeo');
  const result = await applyLayer(content, applied);
  assert.equal(result.diffId, layer.diffId);
});
