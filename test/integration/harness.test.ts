import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { makeBusyboxImage, pushBaseImage } from '../harness/base-image.js';
import { type RegistryMode, startRegistry } from '../harness/registry.js';

const run = promisify(execFile);

test('the busybox base image is reproducible', async () => {
  const first = await makeBusyboxImage();
  const { mkdtemp } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const fresh = await makeBusyboxImage(await mkdtemp(join(tmpdir(), 'slipway-bb-')));
  assert.equal(fresh.layerDigest, first.layerDigest);
  assert.equal(fresh.manifestDigest, first.manifestDigest);
  const { stdout } = await run('umoci', ['stat', '--image', `${first.layout}:latest`, '--json']);
  assert.equal(JSON.parse(stdout).history.length, 1);
});

for (const mode of ['plain', 'basic', 'tls', 'token'] as RegistryMode[]) {
  test(`skopeo pushes the base image to a ${mode} registry`, async () => {
    const registry = await startRegistry(mode);
    try {
      const image = await pushBaseImage(registry.host, 'base/busybox:latest', registry);
      const args = ['inspect', '--raw'];
      args.push(registry.caFile ? '--cert-dir' : '--tls-verify=false');
      if (registry.caFile) args.push((await import('node:path')).dirname(registry.caFile));
      if (registry.username) args.push('--creds', `${registry.username}:${registry.password}`);
      const { stdout } = await run('skopeo', [
        ...args,
        `docker://${registry.host}/base/busybox:latest`,
      ]);
      assert.equal(JSON.parse(stdout).layers[0].digest, image.layerDigest);
      if (mode === 'token') {
        const scopes = registry.tokenServer!.requests.flatMap((r) => r.scopes);
        assert.ok(scopes.includes('repository:base/busybox:pull,push'), scopes.join(' '));
      }
    } finally {
      await registry.stop();
    }
  });
}

test('a token registry rejects wrong credentials and expired tokens', async () => {
  const registry = await startRegistry('token', { tokenLifetimeSeconds: -120 });
  try {
    await assert.rejects(
      run('skopeo', [
        'inspect',
        '--tls-verify=false',
        '--creds',
        'tester:wrong',
        `docker://${registry.host}/base/busybox:latest`,
      ]),
      /unauthorized|authentication/i,
    );
    await assert.rejects(
      pushBaseImage(registry.host, 'base/busybox:latest', registry),
      /unauthorized|authentication/i,
    );
  } finally {
    await registry.stop();
  }
});
