import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createGunzip } from 'node:zlib';
import {
  Digester,
  type ImageManifest,
  OCI_LAYER,
  OCI_LAYER_GZIP,
  OCI_LAYER_ZSTD,
  parseManifest,
} from '../../src/image/index.js';
import { tap } from '../../src/layer/index.js';
import { RegistryClient } from '../../src/registry/index.js';
import { openStore } from '../../src/store/index.js';
import {
  type BuildFixture,
  build,
  makeContext,
  readImage,
  run,
  startBuildFixture,
  storeDir,
} from '../harness/build.js';

// A build keeps the large layers it makes as plain tars in the store (nothing
// waits for a compressor; small ones are gzipped in process); each leaves
// compressed: a push or an OCI layout export compresses it once, keeps the
// result, and names it in the manifest it sends.

const BIN = fileURLToPath(new URL('../../src/cli/bin.js', import.meta.url));
const DOCKERFILE = 'FROM BASE\nCOPY app.txt /app.txt\nRUN echo ran > /ran.txt\n';
/** Two MiB of text that gzip cannot shrink much: its COPY layer is over the plain threshold. */
const large = (seed: string) => `${seed}\n${randomBytes(1536 * 1024).toString('base64')}\n`;

let fixture: BuildFixture;
before(async () => {
  fixture = await startBuildFixture();
});
after(() => fixture.stop());

function registryImage(repository: string, tag: string) {
  const client = new RegistryClient({ registry: fixture.registry.host, repository });
  return {
    client,
    async manifest(): Promise<{ digest: string; manifest: ImageManifest }> {
      const raw = await client.fetchManifest(tag);
      const parsed = parseManifest(raw.bytes, raw.mediaType);
      return { digest: raw.digest, manifest: parsed.manifest as ImageManifest };
    },
  };
}

const compressions = (events: { kind: string }[]) =>
  events.filter((event) => event.kind === 'layer.compress').length;

test('a large built layer is stored as a plain tar and pushed gzip, compressed once', async () => {
  const context = await makeContext(fixture, { Dockerfile: DOCKERFILE, 'app.txt': large('one') });
  const tag = `${fixture.registry.host}/team/plain:1`;
  const first = await build(fixture, context, { tags: [tag], push: true });

  const store = await openStore(storeDir(fixture));
  const local = await store.resolve(tag);
  const { manifest: stored, config } = await readImage(fixture, local?.digest ?? '');
  const [base, copied, ran] = stored.layers;
  assert.equal(base?.mediaType, OCI_LAYER_GZIP);
  assert.deepEqual([copied?.mediaType, copied?.digest], [OCI_LAYER, config.rootfs.diff_ids[1]]);
  assert.equal(ran?.mediaType, OCI_LAYER_GZIP);
  assert.notEqual(ran?.digest, config.rootfs.diff_ids[2]);

  const pushed = await registryImage('team/plain', '1').manifest();
  assert.equal(first.digest, pushed.digest);
  assert.notEqual(first.digest, local?.digest);
  assert.deepEqual(pushed.manifest.config, stored.config);
  assert.deepEqual(pushed.manifest.layers[0], base);
  assert.equal(pushed.manifest.layers[1]?.mediaType, OCI_LAYER_GZIP);
  assert.deepEqual(pushed.manifest.layers[2], ran);
  assert.equal(compressions(first.events), 1);
  // Each pushed blob unpacks to the tar its diffID names.
  const client = registryImage('team/plain', '1').client;
  for (const [i, layer] of pushed.manifest.layers.entries()) {
    const digester = new Digester();
    await pipeline(await client.fetchBlob(layer), createGunzip(), tap(digester), devNull());
    assert.equal(digester.digest(), config.rootfs.diff_ids[i]);
  }
  const inspected = await run('skopeo', ['inspect', '--tls-verify=false', `docker://${tag}`]);
  assert.equal(JSON.parse(inspected.stdout).Digest, pushed.digest);

  // The next push of the same image finds the compressed blobs: same bytes, no compressing.
  const again = `${fixture.registry.host}/team/plain:2`;
  const second = await build(fixture, context, { tags: [again], push: true });
  assert.equal(compressions(second.events), 0);
  assert.equal(second.digest, first.digest);

  // So does `slipway push` of the stored image.
  const cli = await slipway(['push', tag, `${fixture.registry.host}/team/other:1`]);
  assert.equal(cli.status, 0, cli.stderr);
  assert.equal(cli.stdout, `${first.digest}\n`);
  assert.doesNotMatch(cli.stderr, /compressing layer/);
});

test('compression=zstd and uncompressed choose what leaves; an OCI layout gets gzip', async () => {
  const context = await makeContext(fixture, { Dockerfile: DOCKERFILE, 'app.txt': large('two') });
  const tag = `${fixture.registry.host}/team/zstd:1`;
  const layout = join(fixture.dir, 'compression-oci');
  const plainLayout = join(fixture.dir, 'compression-oci-plain');
  const result = await build(fixture, context, {
    tags: [tag],
    outputs: [
      { type: 'registry', compression: 'zstd' },
      { type: 'oci', dest: layout, tar: false },
      { type: 'oci', dest: plainLayout, tar: false, compression: 'uncompressed' },
    ],
  });
  const pushed = await registryImage('team/zstd', '1').manifest();
  assert.equal(result.digest, pushed.digest);
  // Layers compressed already (the base's, the small RUN's) go as they are, as buildx
  // does without force-compression.
  assert.deepEqual(
    pushed.manifest.layers.map((layer) => layer.mediaType),
    [OCI_LAYER_GZIP, OCI_LAYER_ZSTD, OCI_LAYER_GZIP],
  );
  const zstd = await run('skopeo', ['inspect', '--tls-verify=false', `docker://${tag}`]);
  assert.equal(JSON.parse(zstd.stdout).Layers.length, 3);

  const layerTypes = async (dir: string) => {
    const raw = await (await openStore(dir)).fetchManifest('1');
    const manifest = parseManifest(raw.bytes, raw.mediaType).manifest as ImageManifest;
    return manifest.layers.map((layer) => layer.mediaType);
  };
  assert.deepEqual(await layerTypes(layout), [OCI_LAYER_GZIP, OCI_LAYER_GZIP, OCI_LAYER_GZIP]);
  assert.deepEqual(await layerTypes(plainLayout), [OCI_LAYER_GZIP, OCI_LAYER, OCI_LAYER_GZIP]);
  await run('skopeo', ['inspect', `oci:${layout}:1`]);
  await run('skopeo', ['inspect', `oci:${plainLayout}:1`]);
});

function devNull() {
  return new Writable({ write: (_chunk, _encoding, callback) => callback() });
}

function slipway(args: string[]) {
  return new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args, '--insecure'], {
      env: { ...process.env, SLIPWAY_HOME: fixture.home },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (status) => resolve({ status: status ?? -1, stdout, stderr }));
  });
}

test('an interrupt while the push compresses stops it before any manifest is sent', async () => {
  const context = await makeContext(fixture, { Dockerfile: DOCKERFILE, 'app.txt': large('stop') });
  const tag = `${fixture.registry.host}/team/stopped:1`;
  const stop = new AbortController();
  await assert.rejects(
    build(fixture, context, {
      tags: [tag],
      push: true,
      signal: stop.signal,
      // Ctrl-C as the first layer starts compressing.
      emit: (event) => {
        if (event.kind === 'layer.compress') stop.abort(new Error('interrupted'));
      },
    }),
    (error: Error) => error.name === 'AbortError' || /interrupted/.test(error.message),
  );
  await assert.rejects(
    registryImage('team/stopped', '1').manifest(),
    /MANIFEST_UNKNOWN|not found|404/i,
  );
});
