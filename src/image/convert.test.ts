import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { convertIndex, convertManifest, convertMediaType, formatOf } from './convert.js';
import { type ImageIndex, type ImageManifest, parseManifest } from './manifest.js';

const testdata = new URL('../../../src/image/testdata/', import.meta.url);
const load = (name: string) => parseManifest(readFileSync(new URL(name, testdata))).manifest;

test('an OCI manifest converts to Docker schema 2 and back', () => {
  const oci = load('oci-manifest.json') as ImageManifest;
  const docker = convertManifest(oci, 'docker');
  assert.deepEqual(
    [docker.mediaType, docker.config.mediaType, ...docker.layers.map((l) => l.mediaType)],
    [
      'application/vnd.docker.distribution.manifest.v2+json',
      'application/vnd.docker.container.image.v1+json',
      'application/vnd.docker.image.rootfs.diff.tar.gzip',
      'application/vnd.docker.image.rootfs.diff.tar.gzip',
    ],
  );
  assert.equal(docker.annotations, undefined);
  assert.equal(docker.layers[1]?.annotations, undefined);
  assert.deepEqual(
    docker.layers.map((l) => l.digest),
    oci.layers.map((l) => l.digest),
  );
  const back = convertManifest(docker, 'oci');
  assert.equal(back.mediaType, 'application/vnd.oci.image.manifest.v1+json');
  assert.equal(back.layers[0]?.mediaType, 'application/vnd.oci.image.layer.v1.tar+gzip');
});

test('the Docker golden manifest converts to OCI with the same content', () => {
  const docker = load('docker-manifest.json') as ImageManifest;
  assert.deepEqual(convertManifest(docker, 'oci'), {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: {
      mediaType: 'application/vnd.oci.image.config.v1+json',
      digest: docker.config.digest,
      size: 1469,
    },
    layers: [
      {
        mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
        digest: docker.layers[0]?.digest,
        size: 2814446,
      },
    ],
  });
});

test('a manifest list converts to an OCI index, keeping platforms', () => {
  const list = load('docker-manifest-list.json') as ImageIndex;
  const oci = convertIndex(list, 'oci');
  assert.equal(oci.mediaType, 'application/vnd.oci.image.index.v1+json');
  assert.equal(oci.manifests[1]?.mediaType, 'application/vnd.oci.image.manifest.v1+json');
  assert.deepEqual(oci.manifests[1]?.platform, { architecture: 'arm', os: 'linux', variant: 'v6' });
});

test('zstd layers cannot be Docker schema 2; the error says what to do', () => {
  assert.throws(() => convertMediaType('application/vnd.oci.image.layer.v1.tar+zstd', 'docker'), {
    message: 'zstd layers have no Docker schema 2 media type',
    hint: 'use OCI media types (--format oci) or gzip compression',
  });
});

test('types already in the wanted family stay; formatOf tells families apart', () => {
  const type = 'application/vnd.docker.image.rootfs.diff.tar.gzip';
  assert.equal(convertMediaType(type, 'docker'), type);
  assert.equal(formatOf(type), 'docker');
  assert.equal(formatOf('application/vnd.oci.image.manifest.v1+json'), 'oci');
});
