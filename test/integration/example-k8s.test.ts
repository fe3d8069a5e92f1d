import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { writeFakeHelm } from '../../src/steps/testing-helm.js';
import { pushBaseImage } from '../harness/base-image.js';
import { checkoutExample, runSlipway } from '../harness/example.js';
import { type FakeKubeApiServer, startFakeKubeApiServer } from '../harness/fake-kube-apiserver.js';
import { type RegistryHandle, startRegistry } from '../harness/registry.js';

// examples/java-service/.workflow/k8s-pipeline.yml as a user runs it:
// Maven Build -> Image Build (pushed to the real docker-registry) -> K8S
// Deployment, the cluster being the in-process fake API server over TLS.
// The Helm variant runs a stand-in `helm` that records what it is given.

const run = promisify(execFile);
const TOKEN = 'example-k8s-token-5e1d';
let root: string;
let repo: string;
let registry: RegistryHandle;
let fake: FakeKubeApiServer;
let env: NodeJS.ProcessEnv;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'slipway-example-k8s-'));
  repo = join(root, 'java-service');
  await checkoutExample('java-service', repo);
  registry = await startRegistry('plain');
  await pushBaseImage(registry.host, 'base/busybox:latest');
  const key = join(root, 'kube.key');
  const cert = join(root, 'kube.crt');
  await run('openssl', [
    ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'],
    ...['-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1'],
    ...['-addext', 'subjectAltName=IP:127.0.0.1'],
  ]);
  const tls = { key: await readFile(key, 'utf8'), cert: await readFile(cert, 'utf8') };
  fake = await startFakeKubeApiServer({ token: TOKEN, tls, autoRollout: true });
  const kubeconfig = stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'ci',
        cluster: {
          server: fake.url,
          'certificate-authority-data': Buffer.from(tls.cert).toString('base64'),
        },
      },
    ],
    users: [{ name: 'ci', user: { token: TOKEN } }],
    contexts: [{ name: 'ci', context: { cluster: 'ci', user: 'ci' } }],
    'current-context': 'ci',
  });
  await writeFile(join(root, 'kubeconfig'), kubeconfig);
  await writeFile(
    join(root, 'credentials.yml'),
    stringify({ 'k8s-cluster': { type: 'kubeconfig', kubeconfigFile: join(root, 'kubeconfig') } }),
  );
  await mkdir(join(root, 'home'));
  env = { PATH: process.env.PATH, HOME: join(root, 'home'), SLIPWAY_HOME: join(root, 'state') };
});

after(async () => {
  await fake?.close();
  await registry?.stop();
  await rm(root, { recursive: true, force: true });
});

/** The digest the registry serves for `repository:tag`. */
async function registryDigest(repository: string, tag: string): Promise<string> {
  const response = await fetch(`${registry.url}/v2/${repository}/manifests/${tag}`, {
    method: 'HEAD',
    headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
  });
  assert.equal(response.status, 200);
  return response.headers.get('docker-content-digest') ?? '';
}

const pipelineFlags = () => [
  '--host-tools',
  '--progress',
  'plain',
  '--credentials',
  join(root, 'credentials.yml'),
  '--var',
  `REGISTRY=${registry.host}/team`,
  '--var',
  `BASE_IMAGE=${registry.host}/base/busybox:latest`,
];

test('build the jar, build and push its image, apply the manifests pinned to the digest', async () => {
  const result = await runSlipway(
    ['run', '.workflow/k8s-pipeline.yml', ...pipelineFlags()],
    repo,
    env,
  );
  assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);

  const digest = await registryDigest('team/java-service', '1');
  assert.match(digest, /^sha256:[0-9a-f]{64}$/);
  const deployment = fake.get('apps/v1', 'Deployment', 'java-service', 'java-service');
  const container = deployment?.spec.template.spec.containers[0];
  assert.equal(container.image, `${registry.host}/team/java-service:1@${digest}`);
  assert.deepEqual(container.env, [{ name: 'SERVICE_NAME', value: 'java-service-1' }]);
  assert.equal(fake.get('v1', 'Namespace', '', 'java-service')?.status.phase, 'Active');
  assert.deepEqual(fake.get('v1', 'Service', 'java-service', 'java-service')?.spec.ports, [
    { port: 80, targetPort: 8080 },
  ]);
  const lines = result.stderr.split('\n');
  assert.ok(lines.includes('[deploy_k8s] created namespace java-service'), result.stderr);
  assert.ok(
    lines.includes('[deploy_k8s] Deployment java-service/java-service: rolled out (2 replicas)'),
  );

  const pulled = join(root, 'pulled');
  const pull = await runSlipway(
    ['pull', `${registry.host}/team/java-service:1`, '--output', `oci:${pulled}`],
    repo,
    env,
  );
  assert.equal(pull.status, 0, pull.stderr);
  const index = JSON.parse(await readFile(join(pulled, 'index.json'), 'utf8'));
  assert.equal(index.manifests[0].digest, digest);
});

test('the Helm variant installs the chart with the pushed image in its values', async () => {
  const bin = join(root, 'bin');
  await mkdir(bin, { recursive: true });
  await writeFakeHelm(bin, 'v3.14.2+gc309b6f', 0);
  const withHelm = { ...env, PATH: `${bin}:${process.env.PATH}` };
  const result = await runSlipway(
    ['run', '.workflow/helm-pipeline.yml', ...pipelineFlags()],
    repo,
    withHelm,
  );
  assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
  const argv = (await readFile(join(bin, 'record', 'argv'), 'utf8')).split('\n');
  assert.deepEqual(argv.slice(0, 10), [
    'upgrade',
    '--install',
    'java-service',
    join(repo, 'charts', 'java-service'),
    '--namespace',
    'java-service',
    '--create-namespace',
    '--wait',
    '--timeout',
    '300s',
  ]);
  assert.equal(
    await readFile(join(bin, 'record', 'values'), 'utf8'),
    [
      '# deploy@helm replaces the pipeline parameters here before helm reads the file.',
      `image: ${registry.host}/team/java-service:1`,
      'replicas: 2',
      'serviceName: java-service-1',
      '',
    ].join('\n'),
  );
  assert.equal(
    await readFile(join(bin, 'record', 'kubeconfig'), 'utf8'),
    await readFile(join(root, 'kubeconfig'), 'utf8'),
  );
  assert.match(result.stderr, /\[deploy_helm\/helm\] Release "web" has been upgraded/);
});
