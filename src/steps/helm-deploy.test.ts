import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { helmDeploy } from './helm-deploy.js';
import { makeSpec, makeTestContext, type TestContextOptions } from './testing.js';
import { writeFakeHelm } from './testing-helm.js';

// deploy@helm with a stand-in `helm` on PATH that records what it was given:
// its arguments, the values file and the kubeconfig as they were while it ran.
// Helm cannot run against a cluster here; the command line is what we own.

const KUBECONFIG = 'apiVersion: v1\nkind: Config\ncurrent-context: ci\n';
let bin: string;
let record: string;

before(async () => {
  bin = await mkdtemp(join(tmpdir(), 'slipway-helm-bin-'));
  record = join(bin, 'record');
  await writeFakeHelm(bin, 'v3.14.2+g1234567', 0);
});

after(() => rm(bin, { recursive: true, force: true }));

async function context(path: string, options: TestContextOptions = {}) {
  const ctx = await makeTestContext({
    credentials: { k8s: { kind: 'kubeconfig', kubeconfig: KUBECONFIG } },
    params: { GITEE_DOCKER_IMAGE: '127.0.0.1:5000/team/web:7' },
    ...options,
  });
  ctx.hostEnv = { PATH: `${path}:/usr/bin:/bin`, HOME: ctx.stepDir };
  const chart = join(ctx.workspace, 'charts', 'web');
  await mkdir(chart, { recursive: true });
  await writeFile(join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: web\nversion: 0.1.0\n');
  await writeFile(join(chart, 'values.yml'), 'replicas: 2\nimage: ${GITEE_DOCKER_IMAGE}\n');
  return ctx;
}

const spec = (fields: Record<string, unknown> = {}) =>
  makeSpec('deploy@helm', {
    certificate: 'k8s',
    namespace: 'shop',
    appName: 'web',
    chartPath: 'charts/web',
    timeout: '5m',
    ...fields,
  });

test('runs helm upgrade --install with the values replaced and a private kubeconfig', async () => {
  await rm(record, { recursive: true, force: true });
  const ctx = await context(bin);
  try {
    await helmDeploy.run(spec(), ctx);
    const kubeconfig = (await readFile(join(record, 'path'), 'utf8')).trim();
    assert.deepEqual((await readFile(join(record, 'argv'), 'utf8')).split('\n'), [
      'upgrade',
      '--install',
      'web',
      join(ctx.workspace, 'charts', 'web'),
      '--namespace',
      'shop',
      '--create-namespace',
      '--wait',
      '--timeout',
      '300s',
      '--kubeconfig',
      kubeconfig,
      '--values',
      join(kubeconfig, '..', 'values.yml'),
      '',
    ]);
    assert.equal(
      await readFile(join(record, 'values'), 'utf8'),
      'replicas: 2\nimage: 127.0.0.1:5000/team/web:7\n',
    );
    assert.equal(await readFile(join(record, 'kubeconfig'), 'utf8'), KUBECONFIG);
    assert.equal((await readFile(join(record, 'mode'), 'utf8')).trim(), '600');
    assert.deepEqual(await readdir(ctx.stepDir), []);
    assert.deepEqual(ctx.lines(), ['helm: Release "web" has been upgraded. Happy Helming!']);
  } finally {
    await ctx.cleanup();
  }
});

test('chartPath defaults to the repository root; skipTlsVerify adds helm flag', async () => {
  await rm(record, { recursive: true, force: true });
  const ctx = await context(bin);
  try {
    await writeFile(join(ctx.workspace, 'values.yml'), 'tag: "7"\n');
    await helmDeploy.run(spec({ chartPath: '', skipTlsVerify: true, timeout: 90 }), ctx);
    const argv = (await readFile(join(record, 'argv'), 'utf8')).split('\n');
    assert.deepEqual(argv.slice(2, 4), ['web', ctx.workspace]);
    assert.deepEqual(argv.slice(8, 10), ['--timeout', '90s']);
    assert.equal(argv[12], '--kube-insecure-skip-tls-verify');
    assert.equal(await readFile(join(record, 'values'), 'utf8'), 'tag: "7"\n');
  } finally {
    await ctx.cleanup();
  }
});

test('without helm on PATH the step fails saying so', async () => {
  const ctx = await context(join(bin, 'nowhere'));
  try {
    await assert.rejects(helmDeploy.run(spec(), ctx), {
      code: 'HELM_MISSING',
      message: 'deploy@helm needs the helm binary, and none is on PATH',
      hint: 'install Helm 3 on this machine and put `helm` on PATH',
    });
  } finally {
    await ctx.cleanup();
  }
});

test('a Helm 2 binary is refused', async () => {
  const old = await mkdtemp(join(tmpdir(), 'slipway-helm2-'));
  const ctx = await context(old);
  try {
    await writeFakeHelm(old, 'Client: v2.17.0+ga690bad', 0);
    await assert.rejects(helmDeploy.run(spec(), ctx), {
      code: 'HELM_VERSION',
      message: `${join(old, 'helm')} is helm Client: v2.17.0+ga690bad, not Helm 3`,
    });
  } finally {
    await ctx.cleanup();
    await rm(old, { recursive: true, force: true });
  }
});

test('an undefined parameter in the values file names the file and line', async () => {
  const ctx = await context(bin);
  try {
    await writeFile(join(ctx.workspace, 'charts', 'web', 'prod.yml'), 'a: 1\nb: ${NOPE}\n');
    await assert.rejects(helmDeploy.run(spec({ valuesPath: 'prod.yml' }), ctx), {
      code: 'UNDEFINED_PARAMETER',
      message: 'undefined parameter ${NOPE}',
      location: { file: 'charts/web/prod.yml', line: 2, column: 4 },
    });
    await assert.rejects(helmDeploy.run(spec({ valuesPath: 'missing.yml' }), ctx), {
      message: 'step "step": valuesPath: charts/web/missing.yml does not exist',
    });
  } finally {
    await ctx.cleanup();
  }
});

test('a failing helm fails the step with its exit status; the secrets are removed', async () => {
  const failing = await mkdtemp(join(tmpdir(), 'slipway-helm-fail-'));
  const ctx = await context(failing);
  try {
    await writeFakeHelm(failing, 'v3.14.2', 1);
    await assert.rejects(helmDeploy.run(spec(), ctx), {
      message: 'helm upgrade --install web: exited with status 1',
      exitCode: 1,
      outputTail: 'Release "web" has been upgraded. Happy Helming!',
    });
    assert.deepEqual(await readdir(ctx.stepDir), []);
  } finally {
    await ctx.cleanup();
    await rm(failing, { recursive: true, force: true });
  }
});

test('a bad release name is an error at appName before the run', () => {
  assert.throws(() => helmDeploy.validate?.(spec({ appName: 'Web_App' })), {
    message: 'step "step": appName: "Web_App" is not a Helm release name',
    location: { file: 'pipeline.yml', line: 4, column: 5 },
  });
});
