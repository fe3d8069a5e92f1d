import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import {
  type Descriptor,
  digestOf,
  type ImageSource,
  OCI_CONFIG,
  OCI_LAYER_GZIP,
  OCI_MANIFEST,
} from '../image/index.js';
import { openStore } from '../store/index.js';
import { BaseImages } from './base.js';

const dir = await mkdtemp(join(tmpdir(), 'slipway-base-images-'));
after(() => rm(dir, { recursive: true, force: true }));

function blob(mediaType: string, bytes: Buffer): [Descriptor, Buffer] {
  return [{ mediaType, digest: digestOf(bytes), size: bytes.length }, bytes];
}

/** A registry stand-in: one image in a store of its own, its blob fetches counted. */
async function sourceImage(): Promise<{ source: ImageSource; fetches: string[] }> {
  const remote = await openStore(join(dir, 'remote'));
  const [layer, layerBytes] = blob(OCI_LAYER_GZIP, gzipSync(Buffer.alloc(1024)));
  const configJson = {
    architecture: 'amd64',
    os: 'linux',
    rootfs: { type: 'layers', diff_ids: [] },
  };
  const [config, configBytes] = blob(OCI_CONFIG, Buffer.from(JSON.stringify(configJson)));
  const manifestJson = { schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: [layer] };
  const manifest = Buffer.from(JSON.stringify(manifestJson));
  await remote.writeBlob(layerBytes, layer);
  await remote.writeBlob(configBytes, config);
  const raw = { bytes: manifest, mediaType: OCI_MANIFEST, digest: digestOf(manifest) };
  await remote.pushManifest(raw, 'example.test/base:1');
  const fetches: string[] = [];
  const source: ImageSource = {
    // A registry is asked for the tag alone; the store knows the full name.
    fetchManifest: (selector) =>
      remote.fetchManifest(selector === '1' ? 'example.test/base:1' : selector),
    fetchBlob: (descriptor) => {
      fetches.push(descriptor.digest);
      return remote.fetchBlob(descriptor);
    },
  };
  return { source, fetches };
}

test('stages that need one base layer at once download it once', async () => {
  const { source, fetches } = await sourceImage();
  const store = await openStore(join(dir, 'local'));
  const images = new BaseImages(
    store,
    async () => source,
    { os: 'linux', architecture: 'amd64' },
    true,
  );
  const base = await images.resolve('example.test/base:1');
  fetches.length = 0;
  await Promise.all([images.ensureBlobs(base.state), images.ensureBlobs(base.state)]);
  const layer = base.state.layers[0]!.descriptor;
  assert.deepEqual(
    fetches.filter((digest) => digest === layer.digest),
    [layer.digest],
  );
  assert.equal(await store.hasBlob(layer), true);
});

test('the platforms of one build share the downloads of a base they both use', async () => {
  const { source, fetches } = await sourceImage();
  const store = await openStore(join(dir, 'shared'));
  const downloads = new Map<string, Promise<void>>();
  const open = async () => source;
  const amd64 = { os: 'linux', architecture: 'amd64' };
  // FROM --platform=$BUILDPLATFORM: both platforms' stages pull the build machine's image.
  const first = new BaseImages(store, open, amd64, true, downloads);
  const second = new BaseImages(store, open, amd64, true, downloads);
  const [a, b] = await Promise.all([
    first.resolve('example.test/base:1'),
    second.resolve('example.test/base:1'),
  ]);
  fetches.length = 0;
  await Promise.all([first.ensureBlobs(a.state), second.ensureBlobs(b.state)]);
  const layer = a.state.layers[0]!.descriptor;
  assert.deepEqual(
    fetches.filter((digest) => digest === layer.digest),
    [layer.digest],
  );
});
