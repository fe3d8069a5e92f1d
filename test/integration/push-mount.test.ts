import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { staticCredentials } from '../../src/auth/index.js';
import { buildImage } from '../../src/build/index.js';
import type { SlipwayEvent } from '../../src/log/index.js';
import { copyImage, RegistryClient } from '../../src/registry/index.js';
import { openStore } from '../../src/store/index.js';
import { type BaseImage, pushBaseImage } from '../harness/base-image.js';
import { run } from '../harness/build.js';
import { type RegistryHandle, startRegistry } from '../harness/registry.js';

// A push of an image built FROM a base in another repository of the same
// registry mounts the base layer from there (as docker and buildah do) and
// uploads only what the build made; the registry's access log says so.

const bin = new URL('../../src/cli/bin.js', import.meta.url).pathname;

/** The registry's access log lines for requests to `repository`, as `METHOD path status`. */
async function accessLog(registry: RegistryHandle, repository: string): Promise<string[]> {
  const log = await readFile(registry.logFile, 'utf8');
  const lines = [...log.matchAll(/"(\w+) (\/v2\/[^ ]+) HTTP\/1\.1" (\d+)/g)];
  return lines
    .map(([, method, path, status]) => `${method} ${decodeURIComponent(path ?? '')} ${status}`)
    .filter((line) => line.split(' ')[1]?.startsWith(`/v2/${repository}/`));
}

function slipway(
  env: NodeJS.ProcessEnv,
  args: string[],
): Promise<{ status: number; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c));
    child.on('close', (status) => resolve({ status: status ?? -1, stderr }));
  });
}

for (const mode of ['plain', 'token'] as const) {
  describe(`push mounts base layers (${mode} registry)`, () => {
    let registry: RegistryHandle;
    let base: BaseImage;
    let dir: string;
    before(async () => {
      registry = await startRegistry(mode);
      base = await pushBaseImage(registry.host, 'base/busybox:1', registry);
      dir = await mkdtemp(join(tmpdir(), `slipway-mount-${mode}-`));
    });
    after(async () => {
      await registry.stop();
      await rm(dir, { recursive: true, force: true });
    });
    const credentials = () =>
      registry.username === undefined
        ? undefined
        : staticCredentials({
            [registry.host]: { username: registry.username, password: registry.password! },
          });

    test('build FROM base/busybox, push to team/app: the base layer is mounted', async () => {
      const context = join(dir, 'context');
      await mkdir(context, { recursive: true });
      await writeFile(
        join(context, 'Dockerfile'),
        `FROM ${registry.host}/base/busybox:1\nCOPY hello.txt /\n`,
      );
      await writeFile(join(context, 'hello.txt'), 'hello\n');
      const events: SlipwayEvent[] = [];
      // skopeo's set-up push may ask for mount scopes of its own (its blob cache
      // remembers other tests' repositories): only the build's token requests count.
      const tokensBefore = registry.tokenServer?.requests.length ?? 0;
      const result = await buildImage({
        contextDir: context,
        dockerfile: 'Dockerfile',
        tags: [`${registry.host}/team/app:1`],
        buildArgs: {},
        noCache: false,
        push: true,
        home: join(dir, 'home'),
        insecureRegistries: [registry.host],
        credentials: credentials(),
        emit: (event) => events.push(event),
      });
      const store = await openStore(join(dir, 'home', 'store'));
      // Pulled from base/busybox, then pushed to team/app: both, the latest first.
      assert.deepEqual(await store.blobSources(base.layerDigest), [
        { registry: registry.host, repository: 'team/app' },
        { registry: registry.host, repository: 'base/busybox' },
      ]);

      const manifest = JSON.parse((await store.readBlob(result.digest)).toString());
      const built = manifest.layers[1].digest as string;
      const blobs = events
        .filter((e) => e.kind === 'copy.blob')
        .map((e) => `${e.digest} ${e.action} ${e.from ?? '-'}`)
        .sort();
      assert.deepEqual(
        blobs,
        [
          `${base.layerDigest} mounted base/busybox`,
          `${built} copied -`,
          `${manifest.config.digest} copied -`,
        ].sort(),
      );
      const lines = events.filter((e) => e.kind === 'build.step.output').map((e) => e.line);
      assert.ok(lines.includes('2 blobs pushed, 1 mounted, 0 present'), JSON.stringify(lines));

      // What the registry saw: one mount of the base layer, two uploads, no base layer upload.
      const seen = await accessLog(registry, 'team/app');
      const mounts = seen.filter((l) => l.includes('mount='));
      assert.deepEqual(mounts, [
        `POST /v2/team/app/blobs/uploads/?mount=${base.layerDigest}&from=base/busybox 201`,
      ]);
      const uploads = seen.filter((l) => /^PUT \/v2\/team\/app\/blobs\/uploads\/.* 201$/.test(l));
      assert.equal(uploads.length, 2);
      assert.equal(uploads.filter((l) => l.includes(base.layerDigest)).length, 0);
      if (mode === 'token') {
        const scopes = registry
          .tokenServer!.requests.slice(tokensBefore)
          .map((r) => r.scopes.join(' '));
        // The mount's token also has pull on the repository mounted from (scopes sorted).
        const mountScopes = scopes.filter((s) => s.includes(' '));
        assert.deepEqual(mountScopes, [
          'repository:base/busybox:pull repository:team/app:pull,push',
        ]);
      }

      // The pushed image is whole: skopeo reads it, and slipway pulls every blob back verified.
      const creds = registry.username
        ? ['--creds', `${registry.username}:${registry.password}`]
        : [];
      const { stdout } = await run('skopeo', [
        'inspect',
        '--raw',
        '--tls-verify=false',
        ...creds,
        `docker://${registry.host}/team/app:1`,
      ]);
      assert.equal(JSON.parse(stdout).layers[0].digest, base.layerDigest);
      const source = new RegistryClient(
        { registry: registry.host, repository: 'team/app' },
        { credentials: credentials() },
      );
      const pulled = await copyImage(source, await openStore(join(dir, 'pulled')), '1', {
        tag: 'a',
      });
      assert.equal(pulled.descriptor.digest, result.digest);
      assert.deepEqual(pulled.blobs, { copied: 3, skipped: 0, mounted: 0 });

      // The push recorded team/app as a place of every blob: the next push mounts them all.
      const env = { PATH: process.env.PATH, HOME: dir, SLIPWAY_HOME: join(dir, 'home') };
      const access = ['--insecure', '--progress', 'plain'];
      if (registry.username) access.push('--creds', `${registry.username}:${registry.password}`);
      const again = await slipway(env, [
        'push',
        ...access,
        `${registry.host}/team/app:1`,
        `${registry.host}/team/again:1`,
      ]);
      assert.equal(again.status, 0, again.stderr);
      assert.match(again.stderr, /: 0 blobs copied, 3 mounted, 0 already there/);
      const mounted = (await accessLog(registry, 'team/again')).filter((l) => l.includes('mount='));
      assert.equal(mounted.filter((l) => l.endsWith('&from=team/app 201')).length, 3);
    });

    test('slipway pull then slipway push to another repository mounts every blob', async () => {
      const home = join(dir, 'cli');
      const env = { PATH: process.env.PATH, HOME: home, SLIPWAY_HOME: home };
      const access = ['--insecure', '--progress', 'plain'];
      if (registry.username) access.push('--creds', `${registry.username}:${registry.password}`);
      const pull = await slipway(env, ['pull', ...access, `${registry.host}/base/busybox:1`]);
      assert.equal(pull.status, 0, pull.stderr);
      const push = await slipway(env, [
        'push',
        ...access,
        `${registry.host}/base/busybox:1`,
        `${registry.host}/team/copy:2`,
      ]);
      assert.equal(push.status, 0, push.stderr);
      assert.match(push.stderr, /: 0 blobs copied, 2 mounted, 0 already there/);
      const mounts = (await accessLog(registry, 'team/copy')).filter((l) => l.includes('mount='));
      assert.deepEqual(
        mounts.sort(),
        [
          `POST /v2/team/copy/blobs/uploads/?mount=${base.configDigest}&from=base/busybox 201`,
          `POST /v2/team/copy/blobs/uploads/?mount=${base.layerDigest}&from=base/busybox 201`,
        ].sort(),
      );
    });

    // Plain mode only: the unlink below is a bare request, without a token.
    if (mode === 'plain')
      test('a refused mount (202: the source lost the blob) becomes an upload', async () => {
        // Unlink the base layer from the repositories the store's records name (base/busybox,
        // where it was pulled from, and team/copy, where the test before pushed it).
        for (const repository of ['base/busybox', 'team/copy']) {
          const unlink = await fetch(`${registry.url}/v2/${repository}/blobs/${base.layerDigest}`, {
            method: 'DELETE',
          });
          assert.equal(unlink.status, 202);
        }
        const home = join(dir, 'cli');
        const env = { PATH: process.env.PATH, HOME: home, SLIPWAY_HOME: home };
        const push = await slipway(env, [
          'push',
          '--insecure',
          '--progress',
          'plain',
          `${registry.host}/base/busybox:1`,
          `${registry.host}/team/third:1`,
        ]);
        assert.equal(push.status, 0, push.stderr);
        assert.match(push.stderr, /: 1 blobs copied, 1 mounted, 0 already there/);
        const seen = await accessLog(registry, 'team/third');
        const layer = seen
          .filter((l) => l.includes(base.layerDigest))
          .map((l) => l.replace(/uploads\/[^?]+\?.*&digest=/, 'uploads/SESSION?digest='));
        assert.deepEqual(layer, [
          `HEAD /v2/team/third/blobs/${base.layerDigest} 404`,
          `POST /v2/team/third/blobs/uploads/?mount=${base.layerDigest}&from=team/copy 202`,
          `POST /v2/team/third/blobs/uploads/?mount=${base.layerDigest}&from=base/busybox 202`,
          `PUT /v2/team/third/blobs/uploads/SESSION?digest=${base.layerDigest} 201`,
        ]);
        const uploads = seen.filter((l) =>
          /^PUT \/v2\/team\/third\/blobs\/uploads\/.* 201$/.test(l),
        );
        assert.equal(uploads.length, 1);
      });
  });
}
