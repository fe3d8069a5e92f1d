import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { environmentKey, staticCredentials } from '../../src/auth/index.js';
import { openImageRoot } from '../../src/build/image-root.js';
import { buildImage } from '../../src/build/index.js';
import { runInSandbox } from '../../src/build/sandbox/index.js';
import { containerRuntime } from '../../src/steps/toolchain-container.js';
import { pushBaseImage } from '../harness/base-image.js';
import { type RegistryHandle, startRegistry } from '../harness/registry.js';

// build@nodejs without --host-tools, as a user runs it: the toolchain image
// (busybox plus a "node" of its own, built by slipway and pushed to the real
// docker-registry with basic auth) is named by a --toolchains map, pulled
// with the credentials from SLIPWAY_AUTH_<HOST> and run in slipway's sandbox.

const bin = fileURLToPath(new URL('../../src/cli/bin.js', import.meta.url));
const TOKEN = randomBytes(6).toString('hex');
// A nap no other process on this machine takes.
const NAP = 100_000 + randomBytes(2).readUInt16BE();
let registry: RegistryHandle;
let dir: string;
let image: string;

const PIPELINE = `version: '1.0'
name: toolchain
variables:
  FAIL_WITH: '0'
  NAP: '0'
stages:
  - name: build
    steps:
      - step: build@nodejs
        name: build_node
        nodeVersion: 14.16.0
        caches: [~/.npm, node_modules]
        commands:
          - mkdir -p dist
          - echo "built by $(cat $TOOL_HOME/version) in $(pwd) as $(id -u)" > dist/app.txt
          - echo "run \${GITEE_PIPELINE_BUILD_NUMBER}" >> ~/.npm/runs.log
          - cp ~/.npm/runs.log dist/runs.txt
          - touch node_modules/dep-\${GITEE_PIPELINE_BUILD_NUMBER}
          - ls node_modules > dist/deps.txt
          - ls /tmp > dist/tmp.txt
          - touch /tmp/leak-${TOKEN}-\${GITEE_PIPELINE_BUILD_NUMBER} /leak-${TOKEN}
          - echo "TOOL=$(cat /opt/tool/version)" >> $GITEE_PARAMS
          - if [ "\${NAP}" != 0 ]; then sleep \${NAP}; fi
          - exit \${FAIL_WITH}
        artifacts:
          - name: BUILD_ARTIFACT
            path: [./dist]
`;

before(async () => {
  registry = await startRegistry('basic');
  dir = await mkdtemp(join(tmpdir(), 'slipway-toolchain-it-'));
  await pushBaseImage(registry.host, 'base/busybox:latest', registry);
  const context = join(dir, 'toolchain-context');
  mkdirSync(context);
  writeFileSync(
    join(context, 'Dockerfile'),
    `FROM ${registry.host}/base/busybox:latest\nENV TOOL_HOME=/opt/tool\n` +
      'RUN mkdir -p /opt/tool && echo "node 14.16.0 of the test" > /opt/tool/version\n',
  );
  image = `${registry.host}/tools/node:14.16.0`;
  const account = { username: registry.username!, password: registry.password! };
  // Built in a home of its own: the pipeline's home must pull it from the registry.
  await buildImage({
    contextDir: context,
    dockerfile: 'Dockerfile',
    tags: [image],
    buildArgs: {},
    noCache: false,
    push: true,
    home: join(dir, 'build-home'),
    credentials: { lookup: async () => account },
    emit: () => {},
  });
  mkdirSync(join(dir, 'repo', '.workflow'), { recursive: true });
  writeFileSync(join(dir, 'repo', '.workflow', 'pipeline.yml'), PIPELINE);
  await writeFile(
    join(dir, 'toolchains.json'),
    JSON.stringify({ 'build@nodejs': `${registry.host}/tools/node:{nodeVersion}` }),
  );
});

after(async () => {
  await registry?.stop();
  await rm(dir, { recursive: true, force: true });
});

function environment() {
  return {
    PATH: process.env.PATH,
    SLIPWAY_HOME: join(dir, 'home'),
    HOME: join(dir, 'user-home'),
    [environmentKey(registry.host)]: `${registry.username}:${registry.password}`,
  };
}

const flags = () => ['run', '--toolchains', '../toolchains.json', '--progress', 'plain'];

/** A fresh checkout of the repository, then `slipway run` in it. */
function slipway(...extra: string[]) {
  const repo = join(dir, 'repo');
  rmSync(join(repo, 'dist'), { recursive: true, force: true });
  const report = join(dir, 'report.json');
  const result = spawnSync(process.execPath, [bin, ...flags(), '--report', report, ...extra], {
    cwd: repo,
    env: environment(),
    encoding: 'utf8',
  });
  const parsed = JSON.parse(readFileSync(report, 'utf8')) as {
    runDir: string;
    steps: Array<{ status: string; outputs: Record<string, string>; error?: string }>;
  };
  return { status: result.status, err: result.stderr, report: parsed, repo };
}

/** The files of the run's BUILD_ARTIFACT, unpacked by the system tar. */
function artifactFiles(runDir: string): Record<string, string> {
  const out = join(runDir, 'unpacked');
  mkdirSync(out);
  execFileSync('tar', ['-xzf', join(runDir, 'artifacts', 'BUILD_ARTIFACT.tar.gz'), '-C', out]);
  const files: Record<string, string> = {};
  for (const name of readdirSync(join(out, 'dist')).sort()) {
    files[name] = readFileSync(join(out, 'dist', name), 'utf8');
  }
  return files;
}

test('commands run in the toolchain container, write the workspace and the caches', () => {
  const first = slipway();
  assert.equal(first.status, 0, first.err);
  const repo = first.repo;
  assert.deepEqual(artifactFiles(first.report.runDir), {
    'app.txt': `built by node 14.16.0 of the test in ${repo} as 0\n`,
    'deps.txt': 'dep-1\n',
    'runs.txt': 'run 1\n',
    // /tmp holds the workspace's mount point, and nothing left by a run.
    'tmp.txt': `${basename(dir)}\n`,
  });
  assert.deepEqual(first.report.steps[0]?.outputs, {
    BUILD_ARTIFACT: join(first.report.runDir, 'artifacts', 'BUILD_ARTIFACT.tar.gz'),
    TOOL: 'node 14.16.0 of the test',
  });
  // The workspace holds what the commands wrote there and nothing else.
  assert.deepEqual(readdirSync(repo).sort(), ['.workflow', 'dist']);

  const second = slipway();
  assert.equal(second.status, 0, second.err);
  assert.deepEqual(artifactFiles(second.report.runDir), {
    'app.txt': `built by node 14.16.0 of the test in ${repo} as 0\n`,
    'deps.txt': 'dep-1\ndep-2\n',
    'runs.txt': 'run 1\nrun 2\n',
    // The first run's /tmp file went with its snapshot.
    'tmp.txt': `${basename(dir)}\n`,
  });

  // Neither the host nor the unpacked toolchain saw the writes outside the mounts.
  assert.equal(existsSync(`/tmp/leak-${TOKEN}-1`), false);
  assert.equal(existsSync(`/leak-${TOKEN}`), false);
  assert.equal(existsSync(join(dir, 'user-home', '.npm')), false);
  const layers = join(dir, 'home', 'snapshots', 'layers');
  const found = execFileSync('find', [layers, '-name', `*leak-${TOKEN}*`], { encoding: 'utf8' });
  assert.equal(found, '');
});

test('a failing command fails the step with its exit code', () => {
  const run = slipway('--var', 'FAIL_WITH=7');
  assert.equal(run.status, 1);
  assert.equal(run.report.steps[0]?.status, 'failed');
  const last = run.err
    .trim()
    .split('\n')
    .find((line) => line.startsWith('error:'));
  assert.equal(
    last,
    'error: step build_node (build@nodejs) in stage build failed: ' +
      `commands exited with status 7 in toolchain image ${image}`,
  );
});

test('cancelling the run kills the processes in the container', async () => {
  const child = spawn(process.execPath, [bin, ...flags(), '--var', `NAP=${NAP}`], {
    cwd: join(dir, 'repo'),
    env: environment(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  let ended = false;
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      ended = true;
      resolve(code);
    }),
  );
  try {
    // The sleep starts after the pull and the unpack: look until it runs (or the run ended).
    while (!ended && sleepers().length === 0) await delay(50);
    assert.equal(sleepers().length, 1, output);
    child.kill('SIGINT');
    // Interrupted, as a shell reports a Ctrl-C.
    assert.equal(await exited, 130);
    assert.deepEqual(sleepers(), []);
  } finally {
    if (!ended) child.kill('SIGINT');
    await exited;
  }
});

test('the namespaces back end mounts the workspace, caches and GITEE_PARAMS alike', async () => {
  const root = join(dir, 'namespaces');
  const workspace = join(root, 'ws');
  for (const sub of ['ws', 'modules', 'npm']) mkdirSync(join(root, sub), { recursive: true });
  writeFileSync(join(root, 'params'), '');
  const lines: string[] = [];
  const runtime = containerRuntime({
    openRoot: openImageRoot,
    run: (options) => runInSandbox({ ...options, backend: 'namespaces' }),
    isRoot: () => true,
  });
  await runtime.run({
    image,
    script:
      'echo "$TOOL_HOME $STEP_VAR" > out.txt; touch node_modules/m ~/.npm/n\n' +
      'echo "K=$(cat /opt/tool/version)" >> "$GITEE_PARAMS"; ls',
    workspace,
    env: { STEP_VAR: 'from the step', GITEE_PARAMS: join(root, 'params') },
    mounts: [
      { source: join(root, 'modules'), target: join(workspace, 'node_modules') },
      { source: join(root, 'npm'), target: '~/.npm' },
      { source: join(root, 'params'), target: join(root, 'params') },
    ],
    signal: new AbortController().signal,
    onLine: (line, stream) => lines.push(`${stream}: ${line}`),
    emit: () => {},
    home: join(root, 'home'),
    credentials: staticCredentials({
      [registry.host]: { username: registry.username!, password: registry.password! },
    }),
    insecureRegistries: [],
  });
  assert.deepEqual(lines, ['stdout: node_modules', 'stdout: out.txt']);
  assert.equal(readFileSync(join(workspace, 'out.txt'), 'utf8'), '/opt/tool from the step\n');
  assert.deepEqual(readdirSync(workspace), ['out.txt']);
  assert.deepEqual(readdirSync(join(root, 'modules')), ['m']);
  assert.deepEqual(readdirSync(join(root, 'npm')), ['n']);
  assert.equal(readFileSync(join(root, 'params'), 'utf8'), 'K=node 14.16.0 of the test\n');
});

/** Processes of this machine running the pipeline's `sleep NAP`. */
function sleepers(): string[] {
  return readdirSync('/proc').filter((pid) => {
    if (!/^\d+$/.test(pid)) return false;
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8') === `sleep\0${NAP}\0`;
    } catch {
      return false; // ended meanwhile
    }
  });
}
