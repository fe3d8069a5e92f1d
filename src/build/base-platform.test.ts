import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { digestOf, encodeManifest, OCI_CONFIG, OCI_MANIFEST } from '../image/index.js';
import { openStore } from '../store/index.js';
import { BaseImages } from './base.js';

// A base stored from an earlier pull is the one platform pulled then: a build
// for another platform goes to the registry for its manifest, and says so
// when it cannot reach it (the registry here is one that is offline).

const dir = await mkdtemp(join(tmpdir(), 'slipway-base-'));
after(() => rm(dir, { recursive: true, force: true }));

test('a stored base of another platform is pulled again, and named when that fails', async () => {
  const store = await openStore(join(dir, 'store'));
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: [] },
    }),
  );
  const configDescriptor = { mediaType: OCI_CONFIG, digest: digestOf(config), size: config.length };
  await store.writeBlob(config, configDescriptor);
  const manifest = encodeManifest({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: configDescriptor,
    layers: [],
  });
  const name = '127.0.0.1:5000/base/app:1';
  await store.pushManifest(manifest, name);
  const asked: string[] = [];
  const offline = async (reference: { repository: string }) => {
    asked.push(reference.repository);
    throw new Error('connect ECONNREFUSED 127.0.0.1:5000');
  };

  const amd64 = new BaseImages(store, offline, { os: 'linux', architecture: 'amd64' }, false);
  assert.equal((await amd64.resolve(name)).manifestDigest, manifest.digest);
  assert.deepEqual(asked, []);

  const s390x = new BaseImages(store, offline, { os: 'linux', architecture: 's390x' }, false);
  await assert.rejects(s390x.resolve(name), {
    message:
      `${name}: the stored image is for linux/amd64, not linux/s390x; ` +
      'pulling: connect ECONNREFUSED 127.0.0.1:5000',
  });
  assert.deepEqual(asked, ['base/app']);
});
