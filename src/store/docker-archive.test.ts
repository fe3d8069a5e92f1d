import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import {
  type Descriptor,
  digestEncoded,
  digestOf,
  encodeManifest,
  type RawManifest,
} from '../image/index.js';
import { openDockerArchive, writeDockerArchive } from './docker-archive.js';
import { type OciStore, openStore } from './oci-store.js';

let scratch: string;
let store: OciStore;
let manifest: RawManifest;
let layers: Descriptor[];

before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'slipway-docker-archive-'));
  store = await openStore(join(scratch, 'store'));
  const config = Buffer.from('{"architecture":"amd64","os":"linux","rootfs":{"type":"layers"}}');
  await store.writeBlob(config);
  layers = [];
  for (const content of ['first layer', 'second layer', 'first layer']) {
    const blob = gzipSync(Buffer.from(content));
    await store.writeBlob(blob);
    layers.push({
      mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
      digest: digestOf(blob),
      size: blob.length,
    });
  }
  manifest = encodeManifest({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: {
      mediaType: 'application/vnd.oci.image.config.v1+json',
      digest: digestOf(config),
      size: config.length,
    },
    layers,
  });
  await store.pushManifest(manifest, 'app');
});
after(async () => {
  await rm(scratch, { recursive: true, force: true });
});

async function write(name: string, tags: string[]): Promise<string> {
  const file = join(scratch, name);
  await writeDockerArchive(store, manifest, tags, createWriteStream(file));
  return file;
}

test('the archive holds an OCI layout and the manifest.json docker load reads', async () => {
  const file = await write('image.tar', ['app:1', '127.0.0.1:5000/team/app:2']);
  const blob = (d: { digest: string }) => `blobs/sha256/${digestEncoded(d.digest as never)}`;
  const [first, second] = layers as [Descriptor, Descriptor];
  const config = JSON.parse(manifest.bytes.toString()).config;
  assert.deepEqual(execFileSync('tar', ['-tf', file]).toString().trimEnd().split('\n'), [
    'blobs/',
    'blobs/sha256/',
    blob(config),
    blob(first),
    blob(second),
    blob(manifest),
    'index.json',
    'manifest.json',
    'oci-layout',
  ]);
  const listing = JSON.parse(execFileSync('tar', ['-xOf', file, 'manifest.json']).toString());
  assert.deepEqual(listing, [
    {
      Config: blob(config),
      RepoTags: ['app:1', '127.0.0.1:5000/team/app:2'],
      Layers: [blob(first), blob(second), blob(first)],
    },
  ]);
});

test('an archive slipway wrote reads back with the same manifest digest', async () => {
  const file = await write('round-trip.tar', ['app:1']);
  const archive = await openDockerArchive(file);
  assert.equal(archive.manifests.length, 1);
  assert.equal(archive.manifests[0]?.raw.digest, manifest.digest);
  assert.deepEqual(archive.manifests[0]?.tags, ['app:1']);
  const byTag = await archive.source.fetchManifest('docker.io/library/app:1');
  assert.equal(byTag.digest, manifest.digest);
  const content = await archive.source.fetchBlob(layers[1] as Descriptor);
  const expected = await store.readBlob(layers[1] as Descriptor);
  assert.deepEqual(Buffer.concat(await content.toArray()), expected);
});

test('a classic docker save archive gets a Docker schema 2 manifest', async () => {
  const dir = join(scratch, 'classic');
  const config = Buffer.from('{"architecture":"amd64","os":"linux"}');
  const layer = Buffer.alloc(1024, 'x');
  const configName = `${digestEncoded(digestOf(config))}.json`;
  await mkdir(join(dir, 'aaa'), { recursive: true });
  await mkdir(join(dir, 'bbb'));
  await writeFile(join(dir, configName), config);
  await writeFile(join(dir, 'aaa', 'layer.tar'), layer);
  await symlink('../aaa/layer.tar', join(dir, 'bbb', 'layer.tar'));
  const entry = {
    Config: configName,
    RepoTags: ['busybox:latest'],
    Layers: ['aaa/layer.tar', 'bbb/layer.tar'],
  };
  await writeFile(join(dir, 'manifest.json'), JSON.stringify([entry]));
  const file = join(scratch, 'classic.tar');
  execFileSync('tar', ['-cf', file, '-C', dir, 'manifest.json', configName, 'aaa', 'bbb']);

  const archive = await openDockerArchive(file);
  const raw = archive.manifests[0]?.raw as RawManifest;
  const layerDescriptor = {
    mediaType: 'application/vnd.docker.image.rootfs.diff.tar',
    digest: digestOf(layer),
    size: 1024,
  };
  assert.deepEqual(JSON.parse(raw.bytes.toString()), {
    schemaVersion: 2,
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    config: {
      mediaType: 'application/vnd.docker.container.image.v1+json',
      digest: digestOf(config),
      size: config.length,
    },
    layers: [layerDescriptor, layerDescriptor],
  });
  assert.equal(raw.digest, digestOf(raw.bytes));
  assert.equal((await archive.source.fetchManifest('busybox')).digest, raw.digest);
  const configStream = await archive.source.fetchBlob(JSON.parse(raw.bytes.toString()).config);
  assert.equal(await text(configStream), config.toString());
});

test('a blob that does not match its descriptor fails the stream', async () => {
  const file = await write('mismatch.tar', []);
  const archive = await openDockerArchive(file);
  const layer = layers[0] as Descriptor;
  const wrongSize = await archive.source.fetchBlob({ ...layer, size: layer.size + 1 });
  await assert.rejects(wrongSize.toArray(), { code: 'DIGEST_MISMATCH' });
});

test('not a docker archive: missing manifest.json, gzipped, unknown tag', async () => {
  const plain = join(scratch, 'plain.tar');
  execFileSync('tar', ['-cf', plain, '-C', scratch, 'store/oci-layout']);
  await assert.rejects(openDockerArchive(plain), {
    code: 'MALFORMED_ARCHIVE',
    message: `${plain} has no manifest.json: not a docker archive`,
  });
  const zipped = join(scratch, 'image.tar.gz');
  await writeFile(zipped, gzipSync(await readFile(await write('to-zip.tar', ['app:1']))));
  await assert.rejects(openDockerArchive(zipped), {
    code: 'MALFORMED_ARCHIVE',
    hint: 'a docker archive is a plain tar; decompress it first if it is gzipped',
  });
  const archive = await openDockerArchive(join(scratch, 'to-zip.tar'));
  await assert.rejects(archive.source.fetchManifest('other:1'), {
    code: 'MANIFEST_UNKNOWN',
    hint: 'it holds app:1',
  });
});
