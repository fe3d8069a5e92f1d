import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { convertManifest } from '../../src/image/convert.js';
import { digestOf } from '../../src/image/digest.js';
import { encodeManifest, type ImageManifest, parseManifest } from '../../src/image/manifest.js';
import { DOCKER_MANIFEST, DOCKER_MANIFEST_LIST } from '../../src/image/media-types.js';
import { copyImage, RegistryClient } from '../../src/registry/index.js';
import { openStore } from '../../src/store/index.js';
import { makeBusyboxImage } from '../harness/base-image.js';
import { startRegistry } from '../harness/registry.js';

const run = promisify(execFile);

// A Docker schema 2 manifest list written by slipway to the real registry:
// skopeo reads it as one, and slipway pulls the linux/amd64 entry from it.

test('a Docker manifest list is pushed, read back by skopeo and pulled per platform', async () => {
  const registry = await startRegistry('plain');
  const dir = await mkdtemp(join(tmpdir(), 'slipway-list-'));
  try {
    const image = await makeBusyboxImage();
    const layout = await openStore(image.layout);
    const oci = parseManifest((await layout.fetchManifest('latest')).bytes);
    const docker = encodeManifest(convertManifest(oci.manifest as ImageManifest, 'docker'));
    const store = await openStore(join(dir, 'store'));
    await copyImage(layout, store, 'latest');
    await store.pushManifest(docker);
    const entry = { mediaType: DOCKER_MANIFEST, digest: docker.digest, size: docker.bytes.length };
    const list = encodeManifest({
      schemaVersion: 2,
      mediaType: DOCKER_MANIFEST_LIST,
      manifests: [
        { ...entry, platform: { architecture: 'amd64', os: 'linux', variant: 'v3' } },
        { ...entry, platform: { architecture: 'amd64', os: 'linux' } },
      ],
    });
    await store.pushManifest(list, 'multi');

    const client = new RegistryClient({ registry: registry.host, repository: 'multi' });
    const pushed = await copyImage(store, client, 'multi', { tag: '1', platform: 'all' });
    assert.equal(pushed.descriptor.digest, list.digest);
    assert.equal(pushed.descriptor.mediaType, DOCKER_MANIFEST_LIST);

    const ref = `docker://${registry.host}/multi:1`;
    const raw = await run('skopeo', ['inspect', '--raw', '--tls-verify=false', ref]);
    assert.equal(digestOf(raw.stdout), list.digest);
    const one = await run('skopeo', ['inspect', '--tls-verify=false', ref]);
    assert.equal(JSON.parse(one.stdout).Digest, list.digest);

    const fetched = await client.fetchManifest('1');
    assert.equal(fetched.mediaType, DOCKER_MANIFEST_LIST);
    const pulled = await copyImage(client, store, '1', {
      tag: 'amd64',
      platform: { os: 'linux', architecture: 'amd64' },
    });
    assert.equal(pulled.descriptor.digest, docker.digest);
    assert.equal(pulled.descriptor.mediaType, DOCKER_MANIFEST);
  } finally {
    await Promise.all([registry.stop(), rm(dir, { recursive: true, force: true })]);
  }
});
