import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { anonymous } from '../auth/index.js';
import type { ImageRoot } from '../build/image-root.js';
import type { SandboxOptions, SandboxResult } from '../build/sandbox/index.js';
import { SlipwayError, type StepFailedError } from '../errors/index.js';
import { type ContainerParts, containerRuntime } from './toolchain-container.js';
import type { ToolchainRun } from './toolchain-runtime.js';

// The container runtime's error paths over a recorded sandbox: the exit code
// and output tail, a kill, an abort, an image that cannot be had, a USER the
// image lacks. test/integration/toolchain-steps.test.ts runs the real thing.

const IMAGE = '127.0.0.1:5000/tools/node:14';
const dirs: string[] = [];
after(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

interface Fixture {
  parts: ContainerParts;
  seen: SandboxOptions[];
  released: string[];
  run: ToolchainRun;
}

async function fixture(result: SandboxResult, user = '', abort?: AbortController) {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-toolchain-'));
  dirs.push(dir);
  const root = join(dir, 'root');
  const workspace = join(dir, 'ws');
  await mkdir(join(root, 'etc'), { recursive: true });
  await mkdir(workspace);
  await writeFile(join(root, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  await writeFile(join(root, 'etc', 'group'), 'root:x:0:\n');
  const image: ImageRoot = {
    root,
    name: IMAGE,
    config: { config: { Env: ['PATH=/opt/node/bin:/bin', 'NODE=14'], User: user } } as never,
    release: async () => {
      released.push(root);
    },
  };
  const seen: SandboxOptions[] = [];
  const released: string[] = [];
  const parts: ContainerParts = {
    isRoot: () => true,
    openRoot: async () => image,
    run: async (options) => {
      seen.push(options);
      options.onStdout?.('installing');
      options.onStderr?.('npm ERR! boom');
      abort?.abort(new Error('cancelled by the test'));
      return result;
    },
  };
  const run: ToolchainRun = {
    image: IMAGE,
    script: 'npm ci',
    workspace,
    env: { GITEE_BRANCH: 'main', NODE: 'from-step' },
    mounts: [
      { source: join(dir, 'cache-nm'), target: join(workspace, 'node_modules') },
      { source: join(dir, 'cache-npm'), target: '~/.npm' },
    ],
    signal: abort?.signal ?? new AbortController().signal,
    onLine: () => {},
    emit: () => {},
    home: join(dir, 'home'),
    credentials: anonymous,
    insecureRegistries: [],
  };
  return { parts, seen, released, run } satisfies Fixture;
}

test('a failing command gives its exit code and output tail; mount points are removed', async () => {
  const { parts, seen, released, run } = await fixture({ exitCode: 3 });
  await assert.rejects(containerRuntime(parts).run(run), (error: StepFailedError) => {
    assert.equal(error.code, 'STEP_FAILED');
    assert.equal(error.message, `commands exited with status 3 in toolchain image ${IMAGE}`);
    assert.equal(error.exitCode, 3);
    assert.equal(error.outputTail, 'installing\nnpm ERR! boom');
    return true;
  });
  const options = seen[0]!;
  assert.deepEqual(options.args, ['/bin/sh', '-e', '-c', 'npm ci']);
  assert.equal(options.cwd, run.workspace);
  assert.deepEqual(options.env, [
    'PATH=/opt/node/bin:/bin',
    'NODE=14',
    'GITEE_BRANCH=main',
    'NODE=from-step',
  ]);
  assert.deepEqual(
    options.mounts?.map((m) => m.type === 'bind' && [m.source, m.target]),
    [
      [run.workspace, run.workspace],
      [run.mounts[1]?.source, '/root/.npm'],
      [run.mounts[0]?.source, join(run.workspace, 'node_modules')],
    ],
  );
  assert.deepEqual(released, [seen[0]?.rootfs]);
  assert.equal(existsSync(join(run.workspace, 'node_modules')), false);
});

test('commands killed by a signal say so', async () => {
  const { parts, run } = await fixture({ exitCode: 137, signal: 'SIGKILL' });
  await assert.rejects(containerRuntime(parts).run(run), {
    message: `commands were killed by SIGKILL in toolchain image ${IMAGE}`,
    exitCode: 137,
  });
});

test('an abort rejects with its reason, not as a failed command', async () => {
  const abort = new AbortController();
  const { parts, released, run } = await fixture({ exitCode: 137, signal: 'SIGKILL' }, '', abort);
  await assert.rejects(containerRuntime(parts).run(run), { message: 'cancelled by the test' });
  assert.equal(released.length, 1);
});

test('an image that cannot be had names it, says why and keeps the cause', async () => {
  const { parts, run } = await fixture({ exitCode: 0 });
  const cause = new SlipwayError('REGISTRY_404', 'manifest unknown');
  parts.openRoot = async () => {
    throw cause;
  };
  await assert.rejects(containerRuntime(parts).run(run), (error: SlipwayError) => {
    assert.equal(error.code, 'TOOLCHAIN_UNAVAILABLE');
    assert.equal(error.message, `toolchain image ${IMAGE} is not available: manifest unknown`);
    assert.equal(
      error.hint,
      'run with --host-tools to use the tools installed on this machine, or point the ' +
        'toolchain map (--toolchains FILE) at an image your registries hold',
    );
    assert.equal(error.cause, cause);
    return true;
  });
});

test('a USER the image does not have fails before anything runs, and the root is released', async () => {
  const { parts, seen, released, run } = await fixture({ exitCode: 0 }, 'builder');
  await assert.rejects(containerRuntime(parts).run(run), {
    code: 'USER_NOT_FOUND',
    message: 'unable to find user builder: no matching entries in passwd file',
  });
  assert.equal(seen.length, 0);
  assert.equal(released.length, 1);
});

test('without root it says so before pulling anything, and points at --host-tools', async () => {
  const { parts, seen, released, run } = await fixture({ exitCode: 0 });
  parts.isRoot = () => false;
  await assert.rejects(containerRuntime(parts).run(run), (error: SlipwayError) => {
    assert.equal(error.code, 'ROOT_REQUIRED');
    assert.equal(
      error.describe(),
      `running commands in toolchain image ${IMAGE} needs root or a user namespace where ` +
        'slipway is root: its layers are unpacked with their owners and mounted\n' +
        '  hint: run `slipway run` (it enters a user namespace for a regular user), or pass ' +
        '--host-tools to use the tools on this machine',
    );
    return true;
  });
  assert.deepEqual([seen.length, released.length], [0, 0]);
});
