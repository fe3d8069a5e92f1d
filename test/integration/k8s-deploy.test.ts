import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { stringify } from 'yaml';
import { k8sDeploy } from '../../src/steps/k8s-deploy.js';
import { makeSpec, makeTestContext } from '../../src/steps/testing.js';
import { type FakeKubeApiServer, startFakeKubeApiServer } from '../harness/fake-kube-apiserver.js';

// deploy@k8s against the in-process fake API server.

const TOKEN = 'fake-token-7f3a';
const IMAGE = '127.0.0.1:5000/team/web:12';
let root: string;
let tls: { key: string; cert: string };

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'slipway-k8s-'));
  const key = join(root, 'key.pem');
  const cert = join(root, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  tls = { key: await readFile(key, 'utf8'), cert: await readFile(cert, 'utf8') };
});

after(() => rm(root, { recursive: true, force: true }));

function kubeconfig(server: string, options: { token?: string; ca?: string } = {}): string {
  const cluster: Record<string, string> = { server };
  if (options.ca)
    cluster['certificate-authority-data'] = Buffer.from(options.ca).toString('base64');
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'fake', cluster }],
    users: [{ name: 'ci', user: { token: options.token ?? TOKEN } }],
    contexts: [{ name: 'ci', context: { cluster: 'fake', user: 'ci' } }],
    'current-context': 'ci',
  });
}

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: \${GITEE_DOCKER_IMAGE}
`;

const SERVICE = `---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  ports: [{port: 80}]
`;

/** A server-side apply by another client (as kubectl would send it); the HTTP status. */
function applyAs(fake: FakeKubeApiServer, path: string, body: string): Promise<number> {
  const headers = {
    authorization: `Bearer ${TOKEN}`,
    'content-type': 'application/apply-patch+yaml',
  };
  return new Promise((resolve, reject) => {
    const req = request(`${fake.url}${path}`, { method: 'PATCH', headers, ca: tls.cert }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

interface Setup {
  fake: FakeKubeApiServer;
  ctx: Awaited<ReturnType<typeof makeTestContext>>;
}

async function setup(
  options: {
    autoRollout?: boolean;
    tls?: boolean;
    files?: Record<string, string>;
    params?: Record<string, string>;
  } = {},
  work: (s: Setup) => Promise<void>,
) {
  const fake = await startFakeKubeApiServer({
    token: TOKEN,
    autoRollout: options.autoRollout ?? true,
    tls,
  });
  const ctx = await makeTestContext({
    params: { GITEE_DOCKER_IMAGE: IMAGE, ...options.params },
    credentials: {
      kube: { kind: 'kubeconfig', kubeconfig: kubeconfig(fake.url, { ca: tls.cert }) },
      noCA: { kind: 'kubeconfig', kubeconfig: kubeconfig(fake.url) },
      badToken: {
        kind: 'kubeconfig',
        kubeconfig: kubeconfig(fake.url, { ca: tls.cert, token: 'bad' }),
      },
    },
  });
  const files = options.files ?? { 'deploy/app.yml': DEPLOYMENT + SERVICE };
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(ctx.workspace, path, '..'), { recursive: true });
    await writeFile(join(ctx.workspace, path), text);
  }
  try {
    await work({ fake, ctx });
  } finally {
    await fake.close();
    await ctx.cleanup();
  }
}

const spec = (fields: Record<string, unknown> = {}) =>
  makeSpec(
    'deploy@k8s',
    { certificate: 'kube', namespace: 'team', yaml: 'deploy', timeout: 5, ...fields },
    'k8s',
  );

test('applies server-side as slipway, creates the namespace and waits for the rollout', () =>
  setup({}, async ({ fake, ctx }) => {
    await k8sDeploy.run(spec(), ctx);
    const deployment = fake.get('apps/v1', 'Deployment', 'team', 'web')!;
    assert.equal(deployment.spec.template.spec.containers[0].image, IMAGE);
    assert.deepEqual(
      deployment.metadata.managedFields.map((m: { manager: string; operation: string }) => [
        m.manager,
        m.operation,
      ]),
      [['slipway', 'Apply']],
    );
    assert.equal(fake.get('v1', 'Namespace', '', 'team')?.status.phase, 'Active');
    const writes = fake.requests.filter((r) => !r.startsWith('GET'));
    assert.deepEqual(writes, [
      'POST /api/v1/namespaces [application/json]',
      'PATCH /apis/apps/v1/namespaces/team/deployments/web?fieldManager=slipway&force=false [application/apply-patch+yaml]',
      'PATCH /api/v1/namespaces/team/services/web?fieldManager=slipway&force=false [application/apply-patch+yaml]',
    ]);
    const messages = ctx.events.filter((e) => e.kind.startsWith('k8s.')).map((e) => e.message);
    assert.deepEqual(messages, [
      'created namespace team',
      'applied Deployment team/web',
      'applied Service team/web',
      'Deployment team/web: rolled out (2 replicas)',
    ]);
  }));

test('an undefined parameter names the file, line and column', () =>
  setup(
    { files: { 'deploy/app.yml': DEPLOYMENT.replace('GITEE_DOCKER_IMAGE', 'GITEE_DOCKER_IMAG') } },
    async ({ fake, ctx }) => {
      await assert.rejects(k8sDeploy.run(spec(), ctx), {
        message: 'undefined parameter ${GITEE_DOCKER_IMAG}',
        location: { file: 'deploy/app.yml', line: 16, column: 18 },
        hint: 'did you mean ${GITEE_DOCKER_IMAGE}? (write $${GITEE_DOCKER_IMAG} to keep the text as is)',
      });
      assert.deepEqual(fake.requests, []);
    },
  ));

test('fields owned by another manager conflict unless forced', () =>
  setup({}, async ({ fake, ctx }) => {
    await k8sDeploy.run(spec(), ctx);
    const scaled = DEPLOYMENT.replace('replicas: 2', 'replicas: 5').replace(
      '${GITEE_DOCKER_IMAGE}',
      IMAGE,
    );
    const path = '/apis/apps/v1/namespaces/team/deployments/web?fieldManager=kubectl';
    assert.equal(await applyAs(fake, path, scaled), 409);
    assert.equal(await applyAs(fake, `${path}&force=true`, scaled), 200);
    await assert.rejects(k8sDeploy.run(spec(), ctx), {
      message:
        'applying Deployment team/web: 409 Conflict: Apply failed with 1 conflict: conflict with "kubectl": .spec.replicas',
      location: { file: 'deploy/app.yml', line: 1 },
      hint: 'other field managers own these fields; set forceConflicts: true to take them over',
    });
    await k8sDeploy.run(spec({ forceConflicts: true }), ctx);
    const deployment = fake.get('apps/v1', 'Deployment', 'team', 'web')!;
    assert.equal(deployment.spec.replicas, 2);
  }));

const waitingPod = (name: string, state: Record<string, unknown>, extra = {}) => ({
  metadata: { name, labels: { app: 'web' } },
  status: {
    containerStatuses: [
      { name: 'web', image: IMAGE, ready: false, restartCount: 0, imageID: '', state, ...extra },
    ],
  },
});

test('a pod that cannot pull its image fails the rollout naming the image', () =>
  setup({ autoRollout: false }, async ({ fake, ctx }) => {
    const message = `Back-off pulling image "${IMAGE}"`;
    fake.putPod(
      'team',
      waitingPod('web-abc', { waiting: { reason: 'ImagePullBackOff', message } }),
    );
    await assert.rejects(k8sDeploy.run(spec(), ctx), {
      message: `Deployment team/web failed to roll out: waiting for the controller to see the update\n  pod web-abc: container web cannot pull image ${IMAGE} (ImagePullBackOff): ${message}`,
    });
  }));

test('a crashing container fails the rollout with its last log lines', () =>
  setup({ autoRollout: false }, async ({ fake, ctx }) => {
    const crash = { waiting: { reason: 'CrashLoopBackOff' } };
    fake.putPod('team', waitingPod('web-1', crash, { lastState: { terminated: { exitCode: 2 } } }));
    fake.setLog('team', 'web-1', 'web', 'starting\nreading config\nerror: PORT is not set\n', true);
    await assert.rejects(k8sDeploy.run(spec(), ctx), {
      message:
        'Deployment team/web failed to roll out: waiting for the controller to see the update\n  pod web-1: container web keeps crashing (CrashLoopBackOff, last exit code 2); last log lines:\n    | starting\n    | reading config\n    | error: PORT is not set',
    });
  }));

test('an unschedulable pod is reported when the rollout times out', () =>
  setup({ autoRollout: false }, async ({ fake, ctx }) => {
    fake.putPod('team', {
      metadata: { name: 'web-2', labels: { app: 'web' } },
      status: {
        phase: 'Pending',
        conditions: [
          {
            type: 'PodScheduled',
            status: 'False',
            reason: 'Unschedulable',
            message: '0/3 nodes are available: 3 Insufficient cpu.',
          },
        ],
      },
    });
    await assert.rejects(k8sDeploy.run(spec({ timeout: 1 }), ctx), {
      message:
        'Deployment team/web did not roll out within 1s: waiting for the controller to see the update\n  pod web-2 cannot be scheduled: 0/3 nodes are available: 3 Insufficient cpu.',
    });
  }));

test('the step waits until the controller reports the rollout complete', () =>
  setup({ autoRollout: false }, async ({ fake, ctx }) => {
    const running = k8sDeploy.run(spec(), ctx);
    const readsOf = () =>
      fake.requests.filter((r) => r === 'GET /apis/apps/v1/namespaces/team/deployments/web').length;
    while (readsOf() < 2) await new Promise((r) => setTimeout(r, 20));
    fake.mutate('apps/v1', 'Deployment', 'team', 'web', (d) => {
      d.status = { observedGeneration: 1, replicas: 3, updatedReplicas: 2, availableReplicas: 2 };
    });
    while (!ctx.events.some((e) => e.message?.includes('old replicas')))
      await new Promise((r) => setTimeout(r, 20));
    fake.mutate('apps/v1', 'Deployment', 'team', 'web', (d) => {
      d.status = { observedGeneration: 1, replicas: 2, updatedReplicas: 2, availableReplicas: 2 };
    });
    await running;
    const rollout = ctx.events.filter((e) => e.kind === 'k8s.rollout').map((e) => e.message);
    assert.deepEqual(rollout, [
      'Deployment team/web: waiting for the controller to see the update',
      'Deployment team/web: waiting: 1 old replicas are pending termination',
      'Deployment team/web: rolled out (2 replicas)',
    ]);
  }));

test('isReplace creates, then replaces with PUT', () =>
  setup({}, async ({ fake, ctx }) => {
    await k8sDeploy.run(spec({ isReplace: true }), ctx);
    await k8sDeploy.run(spec({ isReplace: true }), ctx);
    const writes = fake.requests.filter((r) => /^(PUT|POST)/.test(r));
    assert.deepEqual(writes, [
      'POST /api/v1/namespaces [application/json]',
      'POST /apis/apps/v1/namespaces/team/deployments?fieldManager=slipway [application/json]',
      'POST /api/v1/namespaces/team/services?fieldManager=slipway [application/json]',
      'PUT /apis/apps/v1/namespaces/team/deployments/web?fieldManager=slipway [application/json]',
      'PUT /api/v1/namespaces/team/services/web?fieldManager=slipway [application/json]',
    ]);
    assert.equal(fake.get('apps/v1', 'Deployment', 'team', 'web')?.metadata.generation, 1);
  }));

test('pinDigest pins the pushed image to its digest', () =>
  setup(
    { params: { GITEE_DOCKER_IMAGE_DIGEST: `sha256:${'ab'.repeat(32)}` } },
    async ({ fake, ctx }) => {
      await k8sDeploy.run(spec({ pinDigest: true }), ctx);
      const deployment = fake.get('apps/v1', 'Deployment', 'team', 'web')!;
      assert.equal(
        deployment.spec.template.spec.containers[0].image,
        `${IMAGE}@sha256:${'ab'.repeat(32)}`,
      );
    },
  ));

test('TLS: an unknown CA fails with a hint; skipTlsVerify accepts it', () =>
  setup({}, async ({ fake, ctx }) => {
    await assert.rejects(
      k8sDeploy.run(spec({ certificate: 'noCA' }), ctx),
      (error: Error & { hint?: string }) => {
        assert.match(
          error.message,
          new RegExp(
            `^reading namespace team: cannot reach ${fake.url}: .*self-signed certificate`,
          ),
        );
        assert.equal(error.hint, 'give the kubeconfig the cluster CA, or set skipTlsVerify: true');
        return true;
      },
    );
    await k8sDeploy.run(spec({ certificate: 'noCA', skipTlsVerify: true }), ctx);
  }));

test('a rejected token is a 401 with a hint', () =>
  setup({}, async ({ ctx }) => {
    await assert.rejects(k8sDeploy.run(spec({ certificate: 'badToken' }), ctx), {
      message: 'reading namespace team: 401 Unauthorized',
      hint: 'check the user and token of the kubeconfig credential and its RBAC rights',
    });
  }));
