import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  copyExample,
  type ExampleRegistry,
  outputsOf,
  runPipelineCli,
  startExampleRegistry,
} from '../harness/examples.js';
import { inspectImage, pullImage, startImage } from '../harness/run-image.js';

// The examples/ projects end to end, as the README's main job runs them:
// `slipway run` against Debian's docker-registry with basic auth, the pushed
// image read back with skopeo and umoci, and its entrypoint started with
// slipway's sandbox and asked over HTTP.

let dir: string;
let examples: ExampleRegistry;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-examples-'));
  examples = await startExampleRegistry(dir);
});
after(async () => {
  await examples?.stop();
  await rm(dir, { recursive: true, force: true });
});

// The base layer, then WORKDIR /app and COPY --from=verify.
const LAYERS = 3;
const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const account = () => ({
  username: examples.registry.username,
  password: examples.registry.password,
});

async function runExample(name: string, pipeline: string, vars: Record<string, string>) {
  const workspace = await copyExample(name, join(dir, pipeline));
  const run = await runPipelineCli(
    [
      `.workflow/${pipeline}.yml`,
      ...['--host-tools', '--progress', 'plain', '--credentials', examples.credentialsFile],
      ...Object.entries(vars).flatMap(([key, value]) => ['--var', `${key}=${value}`]),
    ],
    { cwd: workspace, home: join(dir, `${pipeline}-home`) },
  );
  const all = `${run.stdout}\n${run.stderr}\n${JSON.stringify(run.report)}`;
  assert.equal(all.includes(examples.registry.password ?? '?'), false, 'the password leaked');
  assert.equal(run.code, 0, all);
  return { workspace, run };
}

test('java-service: Maven Build -> Image Build pushes a two-stage image that answers', async () => {
  const host = examples.registry.host;
  const { workspace, run } = await runExample('java-service', 'master-pipeline', {
    REGISTRY: host,
    JRE_IMAGE: examples.jre,
  });
  const outputs = outputsOf(run.report, 'build_docker');
  const image = `${host}/examples/java-service:1.0.1`;
  assert.equal(outputs.GITEE_DOCKER_IMAGE, image);
  assert.match(run.stdout, new RegExp(`GITEE_DOCKER_IMAGE=${image} `));
  const digest = outputs.GITEE_DOCKER_IMAGE_DIGEST ?? '';
  assert.match(run.stdout, new RegExp(`GITEE_DOCKER_IMAGE_DIGEST=${digest}`));
  assert.equal(outputs.GITEE_DOCKER_IMAGE_PINNED, `${host}/examples/java-service@${digest}`);

  const pulled = await pullImage(image, account(), join(dir, 'pull-java'));
  assert.equal(pulled.digest, digest);
  const jar = await readFile(join(workspace, 'target/app.jar'));
  assert.equal(sha256(await readFile(join(pulled.rootfs, 'app/app.jar'))), sha256(jar));
  assert.equal(pulled.manifest.layers[0]?.digest, examples.bases.jre.layerDigest);
  assert.equal(pulled.manifest.layers.length, LAYERS);
  // The self-test ran in the first stage: its JVM's files are not in the image.
  assert.equal(existsSync(join(pulled.rootfs, 'tmp/hsperfdata_root')), false);
  assert.deepEqual(pulled.process.args, ['java', '-jar', '/app/app.jar']);
  assert.deepEqual(pulled.process.user, { uid: 65534, gid: 65534 });
  assert.equal(pulled.process.cwd, '/app');

  const service = await startImage(pulled);
  try {
    assert.deepEqual(await service.get('/'), { status: 200, body: 'hello from java-service' });
    assert.deepEqual(await service.get('/health'), { status: 200, body: 'ok' });
  } finally {
    await service.stop();
  }
});

test('fan-out: one jar, three aliased image builds, each read by the step after it', async () => {
  const host = examples.registry.host;
  const { workspace, run } = await runExample('java-service', 'fan-out-pipeline', {
    REGISTRY: host,
    JRE_IMAGE: examples.jre,
  });
  const names = ['api', 'worker', 'admin'];
  const digests = new Set<string>();
  for (const name of names) {
    const alias = `${name.toUpperCase()}_IMAGE`;
    const image = outputsOf(run.report, `image_${name}`);
    const digest = image[`${alias}_DIGEST`] ?? '';
    assert.deepEqual(Object.keys(image).sort(), [alias, `${alias}_DIGEST`, `${alias}_PINNED`]);
    assert.equal(image[alias], `${host}/examples/${name}:1.0.1`);
    assert.equal(image[`${alias}_PINNED`], `${host}/examples/${name}@${digest}`);
    const next = outputsOf(run.report, `manifest_${name}`);
    assert.equal(next[`${name.toUpperCase()}_DEPLOYED`], image[`${alias}_PINNED`]);
    const manifest = JSON.parse(await readFile(join(workspace, `deploy/${name}.yaml`), 'utf8'));
    assert.equal(manifest.spec.template.spec.containers[0].image, image[`${alias}_PINNED`]);
    const pushed = await inspectImage(image[alias] ?? '', account());
    assert.equal(pushed.digest, digest);
    assert.ok(pushed.config.config.Env?.includes(`SERVICE_NAME=${name}`));
    digests.add(digest);
    if (name !== 'worker') continue;
    const service = await startImage(
      await pullImage(image[alias] ?? '', account(), join(dir, 'pull-worker')),
    );
    try {
      assert.deepEqual(await service.get('/'), { status: 200, body: 'hello from worker' });
    } finally {
      await service.stop();
    }
  }
  assert.equal(digests.size, 3);
});

test('static-site: Node.js Build -> Image Build on busybox serves the rendered pages', async () => {
  const host = examples.registry.host;
  const { workspace, run } = await runExample('static-site', 'master-pipeline', {
    REGISTRY: host,
    BUSYBOX_IMAGE: examples.busybox,
  });
  const outputs = outputsOf(run.report, 'build_docker');
  assert.equal(outputs.GITEE_DOCKER_IMAGE, `${host}/examples/static-site:1`);
  const pulled = await pullImage(
    outputs.GITEE_DOCKER_IMAGE ?? '',
    account(),
    join(dir, 'pull-site'),
  );
  assert.equal(pulled.digest, outputs.GITEE_DOCKER_IMAGE_DIGEST);
  const index = await readFile(join(workspace, 'dist/index.html'));
  assert.deepEqual(await readFile(join(pulled.rootfs, 'www/index.html')), index);
  const sums = await readFile(join(pulled.rootfs, 'www/SHA256SUMS'), 'utf8');
  const expected = [];
  for (const file of ['about.html', 'index.html', 'version.txt']) {
    const hex = sha256(await readFile(join(workspace, 'dist', file))).slice(7);
    expected.push(`${hex}  ./${file}\n`);
  }
  assert.equal(sums, expected.join(''));

  const site = await startImage(pulled);
  try {
    assert.deepEqual(await site.get('/version.txt'), {
      status: 200,
      body: 'static-site build 1\n',
    });
  } finally {
    await site.stop();
  }
});
