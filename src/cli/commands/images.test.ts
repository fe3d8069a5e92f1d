import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  digestOf,
  OCI_CONFIG,
  OCI_INDEX,
  OCI_LAYER_GZIP,
  OCI_MANIFEST,
} from '../../image/index.js';
import { openStore } from '../../store/index.js';
import { humanSize } from './images.js';

const bin = fileURLToPath(new URL('../bin.js', import.meta.url));
const home = await mkdtemp(join(tmpdir(), 'slipway-images-'));
after(() => rm(home, { recursive: true, force: true }));

function slipway(...args: string[]) {
  const env = { ...process.env, SLIPWAY_HOME: home };
  const result = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const describe = (mediaType: string, bytes: Buffer) => ({
  mediaType,
  digest: digestOf(bytes),
  size: bytes.length,
});

/** A store with one image under two names and an index of it. */
async function fillStore() {
  const store = await openStore(join(home, 'store'));
  const config = json({ created: '2026-12-04T06:15:00Z', architecture: 'amd64', os: 'linux' });
  const layer = Buffer.alloc(2_400_000, 1);
  const image = json({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: describe(OCI_CONFIG, config),
    layers: [describe(OCI_LAYER_GZIP, layer)],
  });
  await store.writeBlob(config);
  await store.writeBlob(layer);
  const manifest = { bytes: image, mediaType: OCI_MANIFEST, digest: digestOf(image) };
  await store.pushManifest(manifest, 'example.test/app:1');
  await store.pushManifest(manifest, 'app');
  const index = json({ schemaVersion: 2, manifests: [describe(OCI_MANIFEST, image)] });
  await store.pushManifest(
    { bytes: index, mediaType: OCI_INDEX, digest: digestOf(index) },
    'example.test/app:multi',
  );
  return { image: digestOf(image), index: digestOf(index), size: config.length + layer.length };
}

test('images lists every stored name with its digest, creation time and size', async () => {
  const { image, index, size } = await fillStore();
  const listed = slipway('images');
  assert.equal(listed.status, 0, listed.stderr);
  const short = (digest: string) => digest.slice(0, 19);
  assert.deepEqual(listed.stdout.split('\n'), [
    'NAME                     DIGEST                CREATED            SIZE',
    `example.test/app:1       ${short(image)}   2026-12-04 06:15   ${humanSize(size)}`,
    `app                      ${short(image)}   2026-12-04 06:15   ${humanSize(size)}`,
    `example.test/app:multi   ${short(index)}   -                  index of 1`,
    '',
  ]);
  assert.equal(humanSize(size), '2.4 MB');
  assert.equal(slipway('images', '-q').stdout, `${image}\n${index}\n`);
});

test('sizes are printed in 1000-based units, three digits', () => {
  assert.deepEqual([0, 999, 1000, 123_456, 75_300_000, 2_000_000_000].map(humanSize), [
    '0 B',
    '999 B',
    '1 kB',
    '123 kB',
    '75.3 MB',
    '2 GB',
  ]);
});

test('a reader that stops early ends the listing without a crash', () => {
  const env = { ...process.env, SLIPWAY_HOME: home };
  const line = `"${process.execPath}" "${bin}" images | true`;
  const result = spawnSync('sh', ['-c', line], { encoding: 'utf8', env });
  assert.deepEqual([result.status, result.stderr], [0, '']);
});
