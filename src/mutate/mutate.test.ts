import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import type { Digest } from '../image/index.js';
import { parseManifest } from '../image/index.js';
import {
  addEmptyHistory,
  appendLayer,
  emptyImage,
  encodeImage,
  setConfig,
  setImageFields,
} from './index.js';

const digest = (c: string) => `sha256:${c.repeat(64)}` as Digest;
const layer = {
  descriptor: {
    mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
    digest: digest('b'),
    size: 120,
  },
  diffId: digest('c'),
};

function built() {
  const base = emptyImage({ os: 'linux', architecture: 'amd64' });
  let config = setConfig(base.config, { Env: ['PATH=/usr/bin'], Cmd: ['sh'] });
  config = addEmptyHistory(config, { created_by: 'ENV PATH=/usr/bin' });
  const next = appendLayer(config, base.manifest, layer, { created_by: 'COPY . /app' });
  const created = setImageFields(next.config, { created: '2023-11-14T22:13:20Z' });
  return { base, config: created, manifest: next.manifest };
}

test('appendLayer adds the diffID, the descriptor and a history entry', () => {
  const { base, config, manifest } = built();
  assert.deepEqual(config.rootfs.diff_ids, [digest('c')]);
  assert.deepEqual(manifest.layers, [layer.descriptor]);
  assert.deepEqual(config.history, [
    { created_by: 'ENV PATH=/usr/bin', empty_layer: true },
    { created_by: 'COPY . /app' },
  ]);
  // Pure: the inputs are untouched.
  assert.deepEqual(base.config.rootfs.diff_ids, []);
  assert.deepEqual(base.manifest.layers, []);
});

test('setConfig merges fields and unsets those given as undefined', () => {
  const { config } = built();
  const next = setConfig(config, { Entrypoint: ['/app'], Cmd: undefined, WorkingDir: '/app' });
  assert.deepEqual(next.config, {
    Env: ['PATH=/usr/bin'],
    Entrypoint: ['/app'],
    WorkingDir: '/app',
  });
  assert.deepEqual(config.config?.Cmd, ['sh']);
});

test('encodeImage gives config bytes, descriptors and the manifest digest (OCI)', () => {
  const { config, manifest } = built();
  const encoded = encodeImage(config, manifest);
  const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
  assert.equal(
    encoded.config.bytes.toString(),
    '{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/usr/bin"],"Cmd":["sh"]},' +
      `"rootfs":{"type":"layers","diff_ids":["${digest('c')}"]},"history":[{"created_by":` +
      '"ENV PATH=/usr/bin","empty_layer":true},{"created_by":"COPY . /app"}],' +
      '"created":"2023-11-14T22:13:20Z"}',
  );
  assert.deepEqual(encoded.config.descriptor, {
    mediaType: 'application/vnd.oci.image.config.v1+json',
    digest: sha(encoded.config.bytes),
    size: encoded.config.bytes.length,
  });
  assert.equal(encoded.manifest.digest, sha(encoded.manifest.bytes));
  const reparsed = parseManifest(encoded.manifest.bytes);
  assert.equal(reparsed.mediaType, 'application/vnd.oci.image.manifest.v1+json');
  assert.deepEqual(reparsed.manifest, encoded.parsed);
});

test('encodeImage in Docker media types changes types, not content digests', () => {
  const { config, manifest } = built();
  const oci = encodeImage(config, manifest, 'oci');
  const docker = encodeImage(config, manifest, 'docker');
  assert.equal(docker.manifest.mediaType, 'application/vnd.docker.distribution.manifest.v2+json');
  assert.equal(docker.parsed.config.mediaType, 'application/vnd.docker.container.image.v1+json');
  assert.equal(
    docker.parsed.layers[0]?.mediaType,
    'application/vnd.docker.image.rootfs.diff.tar.gzip',
  );
  assert.equal(docker.config.descriptor.digest, oci.config.descriptor.digest);
  assert.notEqual(docker.manifest.digest, oci.manifest.digest);
});

test('a config and manifest that disagree on layers are refused', () => {
  const { config, manifest } = built();
  assert.throws(() => encodeImage(config, { ...manifest, layers: [] }), {
    code: 'IMAGE_INCONSISTENT',
    message: 'image config lists 1 diff_ids but the manifest has 0 layers',
  });
});
