import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parseDigest } from '../image/digest.js';
import { Masker } from '../log/index.js';
import { credentialStore } from '../pipeline/credentials.js';
import { parsePipeline } from '../pipeline/load.js';
import type { RunOptions } from '../pipeline/run-options.js';
import { runPipeline } from '../pipeline/runner.js';
import type { StepKind } from '../pipeline/step.js';
import { buildToolStep } from './build-tool.js';
import { dockerBuildStep } from './docker-build.js';
import type { BuildImageOptions } from './docker-engine.js';
import { containerRuntime } from './toolchain-container.js';

// Build steps with --host-tools and build@docker over a recording engine:
// artifacts, caches, GITEE_PARAMS, outputs and aliases, end to end through the runner.

const dirs: string[] = [];
after(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

const builds: Array<BuildImageOptions & { seen: string }> = [];
const DIGEST = parseDigest(`sha256:${'ab'.repeat(32)}`);
const docker = dockerBuildStep(async (options) => {
  const jar = join(options.contextDir, 'target', 'app.txt');
  builds.push({ ...options, seen: existsSync(jar) ? readFileSync(jar, 'utf8').trim() : 'missing' });
  return { digest: DIGEST, references: options.tags };
});
const kinds: StepKind[] = [buildToolStep(containerRuntime()), docker];

async function run(text: string, extra: Partial<RunOptions> = {}, workspace?: string) {
  const home = await mkdtemp(join(tmpdir(), 'slipway-steps-'));
  dirs.push(home);
  const ws = workspace ?? join(home, 'ws');
  await mkdir(ws, { recursive: true });
  const byName = new Map(kinds.flatMap((k) => k.kinds.map((n) => [n, k])));
  const options: RunOptions = {
    pipeline: parsePipeline('p.yml', text, byName),
    kinds,
    workspace: ws,
    home,
    checkout: {
      branch: 'Feature/X',
      commit: '0123456789abcdef',
      commitMessage: '',
      repoPath: 'team/app',
      repoUrl: '',
      author: '',
    },
    projectVariables: new Map(),
    cliVariables: new Map(),
    env: {},
    credentials: credentialStore(
      new Map([['reg', { kind: 'account', username: 'ci', password: 'cred-pass-123' }]]),
    ),
    masker: new Masker(),
    emit: () => {},
    hostTools: true,
    hostEnv: { PATH: '/usr/bin:/bin' },
    triggerUser: 'tester',
    event: 'manual',
    ...extra,
  };
  return { report: await runPipeline(options), workspace: ws, home };
}

const pipeline = `version: '1.0'
name: maven-image
stages:
  - name: build
    steps:
      - step: build@maven
        name: build_maven
        commands:
          - mkdir -p target
          - echo "jar of $GITEE_BRANCH" > target/app.txt
          - echo "VERSION=1.$GITEE_PIPELINE_BUILD_NUMBER" >> $GITEE_PARAMS
        artifacts:
          - name: BUILD_ARTIFACT
            path: [./target]
  - name: image
    steps:
      - step: build@docker
        name: image_api
        repository: 127.0.0.1:5999/team
        type: cert
        certificate: reg
        tag: api:\${VERSION}
        artifacts: ['\${BUILD_ARTIFACT}']
        isCache: false
        parameter: {JAR: target/app.txt}
        processorType: amd64
        outputAlias: API
      - step: build@docker
        name: image_web
        repository: 127.0.0.1:5999/team/web
        username: ci
        password: inline-pass-456
        tag: \${GITEE_SHORT_COMMIT}
`;

test('a build artifact flows into build@docker, which outputs its image by alias', async () => {
  builds.length = 0;
  const { report, workspace } = await run(pipeline);
  assert.equal(report.status, 'success', JSON.stringify(report.failure));
  await rm(join(workspace, 'target'), { recursive: true });
  const api = builds.find((b) => b.tags[0]?.includes('api'));
  assert.deepEqual(api?.tags, ['127.0.0.1:5999/team/api:1.1']);
  assert.equal(api?.seen, 'jar of Feature/X');
  assert.equal(api?.noCache, true);
  assert.deepEqual(api?.buildArgs, { JAR: 'target/app.txt' });
  assert.deepEqual(api?.platforms, ['linux/amd64']);
  assert.deepEqual(api?.insecureRegistries, ['127.0.0.1:5999']);
  assert.deepEqual(await api?.credentials?.lookup('127.0.0.1:5999'), {
    username: 'ci',
    password: 'cred-pass-123',
  });
  assert.deepEqual(report.steps[1]?.outputs, {
    API: '127.0.0.1:5999/team/api:1.1',
    API_DIGEST: DIGEST,
    API_PINNED: `127.0.0.1:5999/team/api@${DIGEST}`,
  });
  assert.deepEqual(report.steps[2]?.outputs, {
    GITEE_DOCKER_IMAGE: '127.0.0.1:5999/team/web:01234567',
    GITEE_DOCKER_IMAGE_DIGEST: DIGEST,
    GITEE_DOCKER_IMAGE_PINNED: `127.0.0.1:5999/team/web@${DIGEST}`,
  });
  assert.equal(report.steps[0]?.outputs.VERSION, '1.1');
});

test('an invalid tag from a branch name fails before anything runs, showing the fix', async () => {
  const text = pipeline.replace('tag: ${GITEE_SHORT_COMMIT}', 'tag: ${GITEE_BRANCH}');
  await assert.rejects(run(text), (error: Error) => {
    assert.equal(
      error.message,
      'image reference "127.0.0.1:5999/team/web:Feature/X" is invalid; corrected it reads "127.0.0.1:5999/team/web:Feature-X"',
    );
    return true;
  });
});

test('caches persist between runs of a pipeline with host tools', async () => {
  const text = `version: '1.0'
name: cached
stages:
  - name: s
    steps:
      - step: build@nodejs
        name: npm
        caches: [node_modules]
        commands:
          - touch node_modules/run-$GITEE_PIPELINE_BUILD_NUMBER
          - ls node_modules | tr '\\n' ' ' > seen.txt
`;
  const home = await mkdtemp(join(tmpdir(), 'slipway-cache-'));
  dirs.push(home);
  const firstWs = join(home, 'a');
  const secondWs = join(home, 'b');
  await Promise.all([mkdir(firstWs), mkdir(secondWs)]);
  const byName = new Map(kinds.flatMap((k) => k.kinds.map((n) => [n, k])));
  const base = {
    pipeline: parsePipeline('p.yml', text, byName),
    kinds,
    home,
    checkout: {
      branch: 'main',
      commit: '',
      commitMessage: '',
      repoPath: 'a',
      repoUrl: '',
      author: '',
    },
    projectVariables: new Map(),
    cliVariables: new Map(),
    env: {},
    credentials: credentialStore(new Map()),
    masker: new Masker(),
    emit: () => {},
    hostTools: true,
    hostEnv: { PATH: '/usr/bin:/bin' },
    triggerUser: 't',
    event: 'manual' as const,
  };
  // Same pipeline and workspace path, fresh checkout: the cache comes back.
  await runPipeline({ ...base, workspace: firstWs });
  await rm(firstWs, { recursive: true });
  await mkdir(firstWs);
  const second = await runPipeline({ ...base, workspace: firstWs });
  assert.equal(second.status, 'success');
  assert.equal(await readFile(join(firstWs, 'seen.txt'), 'utf8'), 'run-1 run-2 ');
  await writeFile(join(secondWs, 'x'), '');
});

/** Whether `pid` is gone: no such process, or a zombie waiting to be reaped. */
function gone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  return readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ')[2] === 'Z';
}

test('a step past its timeout is killed with the processes it started', async () => {
  const text = `version: '1.0'
name: slow
stages:
  - name: s
    steps:
      - step: build@maven
        name: hangs
        strategy: {timeout: 1s, retry: 1}
        commands:
          - sleep 300 & echo $! >> pids; wait
`;
  const { report, workspace } = await run(text);
  assert.deepEqual(
    report.steps.map((s) => [s.name, s.status, s.retries, s.error]),
    [['hangs', 'timeout', 1, 'timed out after 1.0s']],
  );
  const pids = (await readFile(join(workspace, 'pids'), 'utf8')).trim().split('\n').map(Number);
  assert.equal(pids.length, 2);
  assert.deepEqual(
    pids.map((pid) => gone(pid)),
    [true, true],
  );
});

const asRoot = { skip: process.getuid?.() !== 0 ? 'toolchain containers need root' : false };

test(
  'without --host-tools a build step says which toolchain image it cannot pull',
  asRoot,
  async () => {
    const port = await closedPort();
    const map = join(await mkdtemp(join(tmpdir(), 'slipway-map-')), 'toolchains.json');
    dirs.push(join(map, '..'));
    await writeFile(
      map,
      JSON.stringify({ 'build@maven': `127.0.0.1:${port}/tools/maven:{mavenVersion}` }),
    );
    const { report } = await run(pipeline, {
      hostTools: false,
      steps: ['build_maven'],
      config: { toolchains: map },
    });
    assert.equal(report.steps[0]?.status, 'failed');
    assert.deepEqual(
      [report.steps[0]?.error, report.steps[0]?.hint],
      [
        `toolchain image 127.0.0.1:${port}/tools/maven:3.6.3 is not available: cannot reach registry ` +
          `127.0.0.1:${port}: GET https://127.0.0.1:${port}/v2/: connect ECONNREFUSED 127.0.0.1:${port}`,
        'run with --host-tools to use the tools installed on this machine, or point the ' +
          'toolchain map (--toolchains FILE) at an image your registries hold',
      ],
    );
  },
);

/** A port nothing listens on: one that was free a moment ago. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
