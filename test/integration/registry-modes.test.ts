import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { staticCredentials } from '../../src/auth/index.js';
import type { SlipwayEvent } from '../../src/log/index.js';
import {
  type ClientOptions,
  ConnectionPool,
  copyImage,
  RegistryClient,
} from '../../src/registry/index.js';
import { openStore } from '../../src/store/index.js';
import { makeBusyboxImage, pushBaseImage } from '../harness/base-image.js';
import { type RegistryHandle, type RegistryMode, startRegistry } from '../harness/registry.js';

const run = promisify(execFile);

function clientOptions(registry: RegistryHandle, events: SlipwayEvent[] = []): ClientOptions {
  const options: ClientOptions = { emit: (event) => events.push(event) };
  if (registry.username) {
    options.credentials = staticCredentials({
      [registry.host]: { username: registry.username, password: registry.password! },
    });
  }
  if (registry.caFile) options.overrides = { caFile: registry.caFile };
  return options;
}

function skopeoAccess(registry: RegistryHandle): string[] {
  const args = registry.caFile ? ['--cert-dir', dirname(registry.caFile)] : ['--tls-verify=false'];
  if (registry.username) args.push('--creds', `${registry.username}:${registry.password}`);
  return args;
}

for (const mode of ['plain', 'basic', 'tls', 'token'] as RegistryMode[]) {
  describe(`registry (${mode})`, () => {
    let registry: RegistryHandle;
    let work: string;
    before(async () => {
      registry = await startRegistry(mode);
      work = await mkdtemp(join(tmpdir(), `slipway-reg-${mode}-`));
    });
    after(async () => {
      await registry.stop();
      await rm(work, { recursive: true, force: true });
    });

    test('push from an OCI layout, pull back, same digests; skopeo agrees', async () => {
      const image = await makeBusyboxImage();
      const layout = await openStore(image.layout);
      const events: SlipwayEvent[] = [];
      const pool = new ConnectionPool(clientOptions(registry, events));
      const target = new RegistryClient(
        { registry: registry.host, repository: 'team/busybox' },
        { ...clientOptions(registry, events), pool },
      );
      const pushed = await copyImage(layout, target, 'latest', { tag: 'v1' });
      assert.equal(pushed.descriptor.digest, image.manifestDigest);
      assert.deepEqual(pushed.blobs, { copied: 2, skipped: 0, mounted: 0 });
      const again = await copyImage(layout, target, 'latest', { tag: 'v1' });
      assert.deepEqual(again.blobs, { copied: 0, skipped: 2, mounted: 0 });

      const { stdout } = await run('skopeo', [
        'inspect',
        '--raw',
        ...skopeoAccess(registry),
        `docker://${registry.host}/team/busybox:v1`,
      ]);
      assert.equal(JSON.parse(stdout).layers[0].digest, image.layerDigest);

      const copy = new RegistryClient(
        { registry: registry.host, repository: 'other/busybox' },
        { ...clientOptions(registry, events), pool },
      );
      const mounted = await copyImage(target, copy, 'v1', { tag: 'latest' });
      assert.deepEqual(mounted.blobs, { copied: 0, skipped: 0, mounted: 2 });
      assert.deepEqual(await copy.listTags(), ['latest']);

      const local = await openStore(join(work, 'pulled'));
      const pulled = await copyImage(copy, local, 'latest', { tag: `${copy.name}:latest` });
      assert.equal(pulled.descriptor.digest, image.manifestDigest);
      const resolved = await local.resolve(`${registry.host}/other/busybox:latest`);
      assert.equal(resolved?.digest, image.manifestDigest);
      if (mode === 'token') {
        const scopes = registry.tokenServer!.requests.map((r) => r.scopes.join(' '));
        assert.ok(
          scopes.includes('repository:other/busybox:pull,push repository:team/busybox:pull'),
        );
      }
    });

    test('an image pushed by skopeo pulls with the same digests', async () => {
      const image = await pushBaseImage(registry.host, 'skopeo/busybox:1', registry);
      const source = new RegistryClient(
        { registry: registry.host, repository: 'skopeo/busybox' },
        clientOptions(registry),
      );
      const head = await source.headManifest('1');
      assert.equal(head?.digest, image.manifestDigest);
      const local = await openStore(join(work, 'from-skopeo'));
      const pulled = await copyImage(source, local, '1', { tag: 'one' });
      assert.equal(pulled.descriptor.digest, image.manifestDigest);
      const layer = await local.readBlob(image.layerDigest as never);
      assert.equal(layer.length > 1000, true);
    });
  });
}
