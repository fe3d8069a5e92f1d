import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { ARTIFACT_TYPE, ociArtifactRepository } from '../../src/steps/artifact-repository-oci.js';
import { publishGeneral } from '../../src/steps/publish-general.js';
import { publishRelease } from '../../src/steps/publish-release.js';
import { makeSpec, makeTestContext, type TestContextOptions } from '../../src/steps/testing.js';
import { secretForms } from '../harness/cli.js';
import { runSlipway } from '../harness/example.js';
import { type RegistryHandle, startRegistry } from '../harness/registry.js';

// Artifact repositories of kind oci against Debian's docker-registry: the
// publish steps store OCI artifacts there, `slipway artifacts` lists and gets
// them, and `slipway pull` reads one like any other OCI manifest.

const run = promisify(execFile);
let root: string;
let plain: RegistryHandle;
let basic: RegistryHandle;
let configFile: string;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'slipway-oci-artifacts-'));
  plain = await startRegistry('plain');
  basic = await startRegistry('basic');
  configFile = join(root, 'artifact-repositories.yml');
  await writeFile(
    configFile,
    [
      'repositories:',
      `  default: {kind: oci, reference: ${plain.host}/ci/artifacts}`,
      `  release: {kind: oci, reference: ${plain.host}/ci/releases}`,
      `  locked: {kind: oci, reference: ${basic.host}/ci/locked}`,
      `  vault: {kind: oci, reference: ${basic.host}/ci/vault, credential: registry-ci}`,
      `  keyed: {kind: oci, reference: ${basic.host}/ci/vault, credential: deploy-key}`,
      '',
    ].join('\n'),
  );
});

after(async () => {
  await Promise.all([plain?.stop(), basic?.stop()]);
  await rm(root, { recursive: true, force: true });
});

async function context(credentials: TestContextOptions['credentials'] = {}) {
  const ctx = await makeTestContext({ config: { 'artifact-config': configFile }, credentials });
  ctx.hostEnv = { HOME: ctx.stepDir };
  await run('git', ['init', '-q', ctx.workspace]);
  const git = ['-C', ctx.workspace, '-c', 'user.name=t', '-c', 'user.email=t@e'];
  await run('git', [...git, 'commit', '-q', '--allow-empty', '-m', 'one']);
  const file = join(ctx.stepDir, 'BUILD_ARTIFACT.tar.gz');
  await run('tar', ['-czf', file, '-C', ctx.workspace, '.git/HEAD']);
  ctx.addArtifact({ name: 'BUILD_ARTIFACT', file, step: 'build' });
  return { ctx, file };
}

test('uploads become OCI artifacts with their own artifactType, versions 1, 2', async () => {
  const { ctx, file } = await context();
  try {
    const spec = makeSpec('publish@general_artifacts', {
      dependArtifact: 'BUILD_ARTIFACT',
      artifactName: 'app',
    });
    await publishGeneral.run(spec, ctx);
    await publishGeneral.run(spec, ctx);
    const repo = ociArtifactRepository('default', `${plain.host}/ci/artifacts`, {
      overrides: { insecure: true },
    });
    assert.deepEqual(await repo.names(), ['app']);
    const versions = await repo.versions('app');
    assert.deepEqual(
      versions.map((v) => [v.version, v.labels.step]),
      [
        ['1', 'step'],
        ['2', 'step'],
      ],
    );
    const response = await fetch(`${plain.url}/v2/ci/artifacts/manifests/app-2`, {
      headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
    });
    const manifest = (await response.json()) as {
      artifactType: string;
      config: { mediaType: string };
      layers: { mediaType: string; digest: string; annotations: object }[];
    };
    assert.equal(manifest.artifactType, ARTIFACT_TYPE);
    assert.equal(manifest.config.mediaType, 'application/vnd.oci.empty.v1+json');
    assert.deepEqual(
      manifest.layers.map((l) => [l.mediaType, l.digest, l.annotations]),
      [
        [
          'application/vnd.oci.image.layer.v1.tar+gzip',
          `sha256:${versions[1]!.sha256}`,
          { 'org.opencontainers.image.title': 'app.tar.gz' },
        ],
      ],
    );
    const got = join(ctx.stepDir, 'got.tar.gz');
    await repo.fetch('app', 'latest', got);
    assert.deepEqual(await readFile(got), await readFile(file));
  } finally {
    await ctx.cleanup();
  }
});

test('releases in a registry count up from 1.0.0.0 and fail on a used version', async () => {
  const { ctx } = await context();
  try {
    const spec = (fields: Record<string, unknown> = {}) =>
      makeSpec('publish@release_artifacts', {
        dependArtifact: 'BUILD_ARTIFACT',
        artifactName: 'svc',
        ...fields,
      });
    await publishRelease.run(spec(), ctx);
    await publishRelease.run(spec({ version: '1.0.0.0' }), ctx);
    assert.equal(ctx.outputs.get('RELEASE_VERSION'), '1.0.0.1');
    await assert.rejects(
      publishRelease.run(spec({ version: '1.0.0.1', autoIncrement: false }), ctx),
      {
        message: 'version 1.0.0.1 is already released in repository release',
      },
    );
    const tags = await run('git', ['-C', ctx.workspace, 'tag', '--list']);
    assert.equal(tags.stdout, 'v1.0.0.0\nv1.0.0.1\n');
  } finally {
    await ctx.cleanup();
  }
});

test('slipway artifacts lists and gets them; slipway pull reads one', async () => {
  const home = join(root, 'home');
  await mkdir(home, { recursive: true });
  const env = { PATH: process.env.PATH, HOME: home, SLIPWAY_HOME: join(root, 'state') };
  const flags = ['--artifact-config', configFile];
  const list = await runSlipway(['artifacts', 'list', 'release', ...flags], root, env);
  assert.equal(list.status, 0, list.stderr);
  const rows = list.stdout
    .trim()
    .split('\n')
    .map((l) => l.split(/\s+/).slice(0, 3).join(' '));
  assert.deepEqual(rows, ['REPOSITORY NAME VERSION', 'release svc 1.0.0.0', 'release svc 1.0.0.1']);

  const out = join(root, 'svc.tar.gz');
  const get = await runSlipway(
    ['artifacts', 'get', 'release', 'svc', '-o', out, ...flags],
    root,
    env,
  );
  assert.equal(get.status, 0, get.stderr);
  assert.equal((await run('tar', ['-tzf', out])).stdout, '.git/HEAD\n');

  const layout = join(root, 'pulled');
  const pull = await runSlipway(
    ['pull', `${plain.host}/ci/releases:svc-1.0.0.1`, '--output', `oci:${layout}`],
    root,
    env,
  );
  assert.equal(pull.status, 0, pull.stderr);
  const index = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8'));
  const manifest = JSON.parse(
    await readFile(join(layout, 'blobs', 'sha256', index.manifests[0].digest.slice(7)), 'utf8'),
  );
  assert.equal(manifest.artifactType, ARTIFACT_TYPE);
  assert.equal(manifest.annotations['dev.slipway.artifact.version'], '1.0.0.1');
});

test('a registry that wants a login says so; SLIPWAY_AUTH_<HOST> logs in', async () => {
  const { ctx } = await context();
  try {
    const spec = makeSpec('publish@general_artifacts', {
      dependArtifact: 'BUILD_ARTIFACT',
      artifactRepository: 'locked',
    });
    await assert.rejects(publishGeneral.run(spec, ctx), {
      code: 'REGISTRY_401',
      message: `listing tags of ${basic.host}/ci/locked: 401 unauthorized: authentication required`,
    });
    const key = `SLIPWAY_AUTH_${basic.host.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
    ctx.hostEnv = { HOME: ctx.stepDir, [key]: `${basic.username}:${basic.password}` };
    await publishGeneral.run(spec, ctx);
    assert.deepEqual(
      ctx.events.filter((e) => e.kind === 'artifact.stored').map((e) => e.message?.split(' (')[0]),
      ['stored output version 1 in locked'],
    );
  } finally {
    await ctx.cleanup();
  }
});

test('credential: ID in the repository logs in with that account of --credentials', async () => {
  const account = {
    kind: 'account' as const,
    username: basic.username!,
    password: basic.password!,
  };
  const { ctx } = await context({
    'registry-ci': account,
    'deploy-key': { kind: 'ssh-key', privateKey: 'not a registry login' },
  });
  const spec = (repository: string) =>
    makeSpec('publish@general_artifacts', {
      dependArtifact: 'BUILD_ARTIFACT',
      artifactRepository: repository,
      artifactName: 'kept',
    });
  try {
    // No SLIPWAY_AUTH_* and no config.json: the account alone logs in.
    await publishGeneral.run(spec('vault'), ctx);
    assert.deepEqual(
      ctx.events.filter((e) => e.kind === 'artifact.stored').map((e) => e.message?.split(' (')[0]),
      ['stored kept version 1 in vault'],
    );
    await assert.rejects(publishGeneral.run(spec('keyed'), ctx), {
      code: 'ARTIFACT_REPOSITORY',
      message: 'artifact repository keyed: credential deploy-key is a ssh-key, not an account',
    });
  } finally {
    await ctx.cleanup();
  }
  const home = join(root, 'home-vault');
  await mkdir(home, { recursive: true });
  const env = { PATH: process.env.PATH, HOME: home, SLIPWAY_HOME: join(root, 'state-vault') };
  const credentialsFile = join(root, 'credentials.yml');
  await writeFile(
    credentialsFile,
    `registry-ci: {type: account, username: ${basic.username}, password: ${basic.password}}\n`,
  );
  const flags = ['artifacts', 'list', 'vault', '--artifact-config', configFile];
  const without = await runSlipway(flags, root, env);
  assert.equal(without.status, 2, without.stderr);
  assert.ok(
    without.stderr.includes(
      'artifact repository vault logs in with credential registry-ci, but no credentials file was given',
    ),
    without.stderr,
  );
  const list = await runSlipway([...flags, '--credentials', credentialsFile], root, env);
  assert.equal(list.status, 0, list.stderr);
  assert.deepEqual(
    list.stdout
      .trim()
      .split('\n')
      .map((l) => l.split(/\s+/).slice(0, 3).join(' ')),
    ['REPOSITORY NAME VERSION', 'vault kept 1'],
  );
  for (const secret of secretForms(basic.username!, basic.password!)) {
    assert.ok(!`${without.stdout}${without.stderr}${list.stdout}${list.stderr}`.includes(secret));
  }
});
