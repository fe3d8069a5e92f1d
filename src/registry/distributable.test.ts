import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import type { Descriptor } from '../image/descriptor.js';
import { digestEncoded, digestOf } from '../image/digest.js';
import {
  encodeManifest,
  type ImageIndex,
  type ImageManifest,
  parseManifest,
} from '../image/manifest.js';
import {
  DOCKER_LAYER,
  DOCKER_LAYER_GZIP,
  DOCKER_MANIFEST,
  OCI_CONFIG,
  OCI_INDEX,
  OCI_LAYER,
  OCI_LAYER_GZIP,
  OCI_LAYER_ZSTD,
  OCI_MANIFEST,
} from '../image/media-types.js';
import type { SlipwayEvent } from '../log/index.js';
import { type OciStore, openStore } from '../store/index.js';
import { distributable } from './distributable.js';

const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

async function tempStore() {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-distributable-'));
  dirs.push(dir);
  return openStore(dir);
}

async function blob(store: OciStore, bytes: Buffer, mediaType: string): Promise<Descriptor> {
  const written = await store.writeBlob(bytes);
  return { mediaType, ...written };
}

/** An image in the store: a config and the given layers. */
async function image(store: OciStore, layers: Descriptor[], mediaType = OCI_MANIFEST) {
  const config = await blob(store, Buffer.from('{"rootfs":{}}'), OCI_CONFIG);
  const raw = encodeManifest({ schemaVersion: 2, mediaType, config, layers });
  await store.pushManifest(raw);
  return raw;
}

const layersOf = (bytes: Buffer) => (JSON.parse(bytes.toString()) as ImageManifest).layers;

test('plain layers are compressed once; compressed ones and the config stay', async () => {
  const store = await tempStore();
  const tar = randomBytes(4096);
  const plain = { ...(await blob(store, tar, OCI_LAYER)), annotations: { kept: 'yes' } };
  const base = await blob(store, Buffer.from('already gzip'), OCI_LAYER_GZIP);
  const root = await image(store, [base, plain]);
  const events: SlipwayEvent[] = [];
  const sent = await distributable(store, root, 'gzip', (event) => events.push(event));

  const [first, second] = layersOf(sent.bytes);
  assert.deepEqual(first, base);
  assert.equal(second?.mediaType, OCI_LAYER_GZIP);
  assert.deepEqual(second?.annotations, { kept: 'yes' });
  const gzip = await store.readBlob(second as Descriptor);
  assert.deepEqual(gunzipSync(gzip), tar);
  assert.equal(second?.size, gzip.length);
  assert.deepEqual(
    (JSON.parse(sent.bytes.toString()) as ImageManifest).config,
    (JSON.parse(root.bytes.toString()) as ImageManifest).config,
  );
  assert.equal((await store.fetchManifest(sent.digest)).digest, sent.digest);
  assert.deepEqual(
    events.map((e) => e.kind),
    ['layer.compress'],
  );

  const again: SlipwayEvent[] = [];
  const resent = await distributable(store, root, 'gzip', (event) => again.push(event));
  assert.equal(resent.digest, sent.digest);
  assert.deepEqual(again, []);
});

test('zstd gives zstd layers; uncompressed and an image with nothing plain are left alone', async () => {
  const store = await tempStore();
  const plain = await blob(store, randomBytes(100), OCI_LAYER);
  const root = await image(store, [plain]);
  const zstd = await distributable(store, root, 'zstd');
  assert.equal(layersOf(zstd.bytes)[0]?.mediaType, OCI_LAYER_ZSTD);
  assert.equal((await distributable(store, root, 'uncompressed')).digest, root.digest);
  assert.equal((await distributable(store, zstd, 'gzip')).digest, zstd.digest);
});

test("a Docker image's plain layers go out gzip, whatever was asked", async () => {
  const store = await tempStore();
  const plain = await blob(store, randomBytes(100), DOCKER_LAYER);
  const root = await image(store, [plain], DOCKER_MANIFEST);
  const sent = await distributable(store, root, 'zstd');
  assert.equal(layersOf(sent.bytes)[0]?.mediaType, DOCKER_LAYER_GZIP);
});

test('an index lists its compressed manifests, platforms kept', async () => {
  const store = await tempStore();
  const amd64 = await image(store, [await blob(store, randomBytes(100), OCI_LAYER)]);
  const arm64 = await image(store, [await blob(store, randomBytes(100), OCI_LAYER_GZIP)]);
  const entry = (raw: typeof amd64, architecture: string) => ({
    mediaType: raw.mediaType,
    digest: raw.digest,
    size: raw.bytes.length,
    platform: { os: 'linux', architecture },
  });
  const root = encodeManifest({
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: [entry(amd64, 'amd64'), entry(arm64, 'arm64')],
  });
  await store.pushManifest(root);
  const sent = await distributable(store, root, 'gzip');
  const index = parseManifest(sent.bytes, sent.mediaType).manifest as ImageIndex;
  const [first, second] = index.manifests;
  assert.notEqual(first?.digest, amd64.digest);
  assert.deepEqual(first?.platform, { os: 'linux', architecture: 'amd64' });
  assert.equal(
    layersOf((await store.fetchManifest(first?.digest ?? '')).bytes)[0]?.mediaType,
    OCI_LAYER_GZIP,
  );
  assert.deepEqual(second, entry(arm64, 'arm64'));
});

test('a damaged record, or one whose blob is gone, is compressed again', async () => {
  const store = await tempStore();
  const plain = await blob(store, randomBytes(100), OCI_LAYER);
  const root = await image(store, [plain]);
  const sent = await distributable(store, root, 'gzip');
  const record = join(store.dir, 'compressed', 'sha256', `${digestEncoded(plain.digest)}.json`);
  await writeFile(record, '{not json');
  assert.equal((await distributable(store, root, 'gzip')).digest, sent.digest);

  await store.recordCompressedForm(plain.digest, 'gzip', {
    mediaType: OCI_LAYER_GZIP,
    digest: digestOf('never stored'),
    size: 12,
  });
  const events: SlipwayEvent[] = [];
  const again = await distributable(store, root, 'gzip', (event) => events.push(event));
  assert.equal(again.digest, sent.digest);
  assert.equal(events.length, 1);
});
