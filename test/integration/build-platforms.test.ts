import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  digestOf,
  type ImageConfig,
  type ImageIndex,
  type ImageManifest,
  OCI_INDEX,
  parseManifest,
} from '../../src/image/index.js';
import { RegistryClient } from '../../src/registry/index.js';
import { openStore } from '../../src/store/index.js';
import {
  type BuildFixture,
  build,
  makeContext,
  readJsonBlob,
  run,
  startBuildFixture,
  storeDir,
} from '../harness/build.js';
import { cliRunner } from '../harness/cli.js';
import { makePlatformImage, pushPlatformImage } from '../harness/platform-image.js';

// --platform with two platforms: each built from its own manifest of a
// multi-platform base (FROM and COPY --from pick it), TARGET*/BUILD* ARGs as
// BuildKit sets them, FROM --platform=$BUILDPLATFORM for a native stage, and
// an OCI index pushed with its manifests (read back by the registry client
// and skopeo), written to an OCI layout and kept in the store under the tag.
// RUN for arm64 runs under the emulator binfmt_misc starts (qemu-user-static).

let fixture: BuildFixture;
let multi: string;
before(async () => {
  fixture = await startBuildFixture();
  const image = await makePlatformImage(join(fixture.dir, 'multi'), ['linux/amd64', 'linux/arm64']);
  multi = `${fixture.registry.host}/base/multi:1`;
  await pushPlatformImage(image, fixture.registry.host, 'base/multi:1');
});
after(async () => {
  await fixture.stop();
});

const DOCKERFILE = `FROM --platform=$BUILDPLATFORM BASE AS tools
ARG TARGETPLATFORM TARGETOS TARGETARCH TARGETVARIANT BUILDPLATFORM BUILDOS BUILDARCH
RUN echo "$BUILDPLATFORM $BUILDOS $BUILDARCH for $TARGETPLATFORM $TARGETOS $TARGETARCH [$TARGETVARIANT]" > /made.txt

FROM --platform=$BUILDPLATFORM BASE AS shared
RUN echo once > /once.txt

FROM MULTI
COPY --from=tools /made.txt /made.txt
COPY --from=shared /once.txt /once.txt
COPY --from=MULTI /platform.txt /copied.txt
`;

test('two platforms: an index pushed with its manifests, each from its own base', async () => {
  const context = await makeContext(fixture, {
    Dockerfile: DOCKERFILE.replaceAll('MULTI', multi),
  });
  const tag = `${fixture.registry.host}/team/multi:1`;
  const files = join(fixture.dir, 'multi-files');
  const layout = join(fixture.dir, 'multi-oci');
  const result = await build(fixture, context, {
    tags: [tag],
    platforms: ['linux/amd64,linux/arm64'],
    push: true,
    outputs: [
      { type: 'local', dest: files },
      { type: 'oci', dest: layout, tar: false },
    ],
  });
  assert.equal(result.descriptor.mediaType, OCI_INDEX);
  assert.equal(result.references.length, 1);
  const made = (dir: string) => readFile(join(files, dir, 'made.txt'), 'utf8');
  assert.equal(
    await made('linux_amd64'),
    'linux/amd64 linux amd64 for linux/amd64 linux amd64 []\n',
  );
  assert.equal(
    await made('linux_arm64'),
    'linux/amd64 linux amd64 for linux/arm64 linux arm64 []\n',
  );
  for (const arch of ['amd64', 'arm64']) {
    const dir = join(files, `linux_${arch}`);
    assert.equal(await readFile(join(dir, 'platform.txt'), 'utf8'), `linux/${arch}\n`);
    assert.equal(await readFile(join(dir, 'copied.txt'), 'utf8'), `linux/${arch}\n`);
    assert.equal((await run('ls', [join(dir, 'arch')])).stdout, `${arch}\n`);
  }
  // The tools stage ran once per target platform (its ARGs differ), natively; the
  // shared one once in all, the other platform's twin waiting for it and finding it cached.
  assert.equal(result.ran.filter((name) => name.includes('RUN echo "$BUILD')).length, 2);
  assert.equal(result.ran.filter((name) => name.includes('RUN echo once')).length, 1);
  assert.equal(result.cached.filter((name) => name.includes('RUN echo once')).length, 1);

  const client = new RegistryClient({ registry: fixture.registry.host, repository: 'team/multi' });
  const pushed = await client.fetchManifest('1');
  assert.equal(pushed.digest, result.digest);
  const index = parseManifest(pushed.bytes, pushed.mediaType).manifest as ImageIndex;
  assert.deepEqual(
    index.manifests.map((m) => m.platform),
    [
      { architecture: 'amd64', os: 'linux' },
      { architecture: 'arm64', os: 'linux' },
    ],
  );
  assert.deepEqual(
    index.manifests.map((m) => m.digest),
    result.manifests?.map((m) => m.digest),
  );
  for (const [i, arch] of ['amd64', 'arm64'].entries()) {
    const entry = index.manifests[i];
    const manifest = await readJsonBlob<ImageManifest>(fixture, entry?.digest ?? '');
    const config = await readJsonBlob<ImageConfig>(fixture, manifest.config.digest);
    assert.equal(`${config.os}/${config.architecture}`, `linux/${arch}`);
    const fetched = await client.fetchManifest(entry?.digest ?? '');
    assert.equal(fetched.digest, entry?.digest);
  }

  const ref = `docker://${tag}`;
  const raw = await run('skopeo', ['inspect', '--raw', '--tls-verify=false', ref]);
  assert.equal(digestOf(raw.stdout), result.digest);
  const arm = await run('skopeo', [
    ...['--override-arch', 'arm64', 'inspect', '--tls-verify=false', ref],
  ]);
  const inspected = JSON.parse(arm.stdout) as { Architecture: string; Layers: string[] };
  assert.equal(inspected.Architecture, 'arm64');
  const armManifest = await readJsonBlob<ImageManifest>(fixture, index.manifests[1]?.digest ?? '');
  assert.deepEqual(
    inspected.Layers,
    armManifest.layers.map((layer) => layer.digest),
  );

  const written = await openStore(layout);
  const tags = await written.listTags();
  assert.deepEqual(
    tags.map((t) => [t.name, t.descriptor.digest, t.descriptor.mediaType]),
    [['1', result.digest, OCI_INDEX]],
  );
  const fromLayout = await run('skopeo', ['inspect', '--raw', `oci:${layout}:1`]);
  assert.equal(digestOf(fromLayout.stdout), result.digest);

  // The store keeps the build's own index: the same configs, the layers plain tars.
  const store = await openStore(storeDir(fixture));
  const local = await store.fetchManifest(tag);
  const localIndex = parseManifest(local.bytes, local.mediaType).manifest as ImageIndex;
  const configs = (manifests: { digest: string }[]) =>
    Promise.all(
      manifests.map(async (m) => (await readJsonBlob<ImageManifest>(fixture, m.digest)).config),
    );
  const localConfigs = await configs(localIndex.manifests);
  assert.deepEqual(localConfigs, await configs(index.manifests));

  // FROM the stored index picks the platform's manifest again.
  const again = await makeContext(fixture, { Dockerfile: `FROM ${tag}\n` });
  const arm64 = await build(fixture, again, { platforms: ['linux/arm64'] });
  assert.equal(arm64.digest, localIndex.manifests[1]?.digest);
});

test('--no-cache runs a stage both platforms share once, as BuildKit merges it', async () => {
  const context = await makeContext(fixture, {
    Dockerfile:
      'FROM --platform=$BUILDPLATFORM BASE AS tools\nRUN echo run-$RANDOM-$$ > /id\n' +
      `FROM ${multi}\nCOPY --from=tools /id /id\n`,
  });
  const files = join(fixture.dir, 'no-cache-files');
  const result = await build(fixture, context, {
    platforms: ['linux/amd64,linux/arm64'],
    noCache: true,
    outputs: [{ type: 'local', dest: files }],
  });
  assert.equal(result.ran.filter((name) => name.includes('RUN echo run-')).length, 1);
  const id = (arch: string) => readFile(join(files, `linux_${arch}`, 'id'), 'utf8');
  assert.match(await id('amd64'), /^run-\d+-\d+\n$/);
  assert.equal(await id('arm64'), await id('amd64'));
});

test('a docker archive cannot hold two platforms; a bad platform is named', async () => {
  const context = await makeContext(fixture, { Dockerfile: 'FROM BASE\n' });
  await assert.rejects(
    build(fixture, context, {
      platforms: ['linux/amd64', 'linux/arm64'],
      outputs: [{ type: 'docker', dest: join(fixture.dir, 'two.tar') }],
    }),
    {
      message:
        '--output type=docker cannot hold 2 platforms: a docker archive holds one image, ' +
        'not an index',
    },
  );
  await assert.rejects(build(fixture, context, { platforms: ['linux/'] }), {
    message: 'invalid platform "linux/": expected os/arch[/variant], e.g. linux/amd64',
  });
  const events: unknown[] = [];
  await assert.rejects(
    build(fixture, context, { platforms: ['linux/bogus'], emit: (e) => events.push(e) }),
    { name: 'UsageError', message: '--platform linux/bogus: unknown architecture "bogus"' },
  );
  // Refused before anything is loaded or pulled.
  assert.deepEqual(events, []);
});

test('a RUN failing for one platform fails the build, naming the platform', async () => {
  const context = await makeContext(fixture, {
    Dockerfile: `FROM ${multi}
COPY --from=BASE /bin/busybox /bin/busybox
ARG TARGETARCH
RUN ["/bin/busybox", "sh", "-c", "test $TARGETARCH = amd64"]
`,
  });
  await assert.rejects(build(fixture, context, { platforms: ['linux/amd64,linux/arm64'] }), {
    message:
      'stage stage-0 for linux/arm64: process "/bin/busybox sh -c test $TARGETARCH = amd64" ' +
      'did not complete successfully: exit code: 1',
  });
});

// setup-debian.sh registers qemu where the host lets it mount binfmt_misc.
const emulated = existsSync('/proc/sys/fs/binfmt_misc/qemu-aarch64')
  ? {}
  : { skip: 'no qemu-aarch64 in /proc/sys/fs/binfmt_misc (see scripts/setup-debian.sh)' };

test('RUN for arm64 runs its program under the registered emulator', emulated, async () => {
  const context = await makeContext(fixture, {
    Dockerfile: `FROM ${multi}\nRUN ["/hello"]\n`,
  });
  const result = await build(fixture, context, { platforms: ['linux/arm64'] });
  const lines = result.events
    .filter((event) => event.kind === 'build.step.output')
    .map((event) => event.line);
  assert.deepEqual(lines, ['hello from arm64']);
});

test('slipway build --platform a --platform b: labels; iid and metadata of the index', async () => {
  const context = await makeContext(fixture, {
    Dockerfile: `FROM ${multi}\nCOPY --from=${multi} /platform.txt /again.txt\n`,
  });
  const iidfile = join(fixture.dir, 'multi.iid');
  const metadataFile = join(fixture.dir, 'multi.json');
  const env = { ...process.env, SLIPWAY_HOME: fixture.home };
  const result = await cliRunner().run(env, [
    ...['build', '--progress', 'plain', '--insecure-registry', fixture.registry.host],
    ...['--platform', 'linux/amd64', '--platform', 'linux/arm64', '--iidfile', iidfile],
    ...['--metadata-file', metadataFile, '-t', `${fixture.registry.host}/team/cli:1`, '--push'],
    context,
  ]);
  assert.equal(result.status, 0, result.stderr);
  for (const platform of ['linux/amd64', 'linux/arm64']) {
    assert.match(result.stderr, new RegExp(`#\\d+ \\[${platform} 2/2\\] COPY --from=`));
  }
  const metadata = JSON.parse(await readFile(metadataFile, 'utf8'));
  assert.deepEqual(Object.keys(metadata), [
    'containerimage.descriptor',
    'containerimage.digest',
    'image.name',
  ]);
  assert.equal(metadata['containerimage.descriptor'].mediaType, OCI_INDEX);
  assert.equal(await readFile(iidfile, 'utf8'), metadata['containerimage.digest']);
  const raw = await run('skopeo', [
    ...['inspect', '--raw', '--tls-verify=false', `docker://${fixture.registry.host}/team/cli:1`],
  ]);
  assert.equal(digestOf(raw.stdout), metadata['containerimage.digest']);
});
