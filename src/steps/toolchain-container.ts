import { access, mkdir, rmdir } from 'node:fs/promises';
import { dirname, posix } from 'node:path';
import { type ImageRoot, type ImageRootOptions, openImageRoot } from '../build/image-root.js';
import {
  resolveInRoot,
  resolveUser,
  runInSandbox,
  type SandboxMount,
  type SandboxOptions,
  type SandboxResult,
} from '../build/sandbox/index.js';
import { messageOf, SlipwayError, StepFailedError } from '../errors/index.js';
import {
  type ToolchainMount,
  type ToolchainRun,
  type ToolchainRuntime,
  toolchainUnavailable,
} from './toolchain-runtime.js';

// Build commands in a container of the toolchain image: the image pulled and
// unpacked by the build engine, a throwaway snapshot as `/`, the workspace
// bind-mounted at its own path and the cache folders at theirs, run as the
// image's USER with its Env under the step's.

const TAIL_LINES = 20;

/** What the container runtime is made of; tests of error paths swap parts. */
export interface ContainerParts {
  openRoot(options: ImageRootOptions): Promise<ImageRoot>;
  run(options: SandboxOptions): Promise<SandboxResult>;
  /** Whether slipway runs as root (snapshots are mounted and owners set). */
  isRoot(): boolean;
}

const realParts: ContainerParts = {
  openRoot: openImageRoot,
  run: runInSandbox,
  isRoot: () => process.getuid?.() === 0,
};

/** The runtime that runs build steps in toolchain containers. */
export function containerRuntime(parts: ContainerParts = realParts): ToolchainRuntime {
  return {
    async run(run) {
      // `slipway run` enters a user namespace for a regular user; a library caller may not have.
      if (!parts.isRoot()) {
        throw new SlipwayError(
          'ROOT_REQUIRED',
          `running commands in toolchain image ${run.image} needs root or a user namespace ` +
            'where slipway is root: its layers are unpacked with their owners and mounted',
          {
            hint:
              'run `slipway run` (it enters a user namespace for a regular user), or pass ' +
              '--host-tools to use the tools on this machine',
          },
        );
      }
      const image = await parts
        .openRoot({
          image: run.image,
          home: run.home,
          insecureRegistries: run.insecureRegistries,
          credentials: run.credentials,
          emit: run.emit,
        })
        .catch((error: unknown) => {
          if (run.signal.aborted) throw run.signal.reason;
          throw toolchainUnavailable(run.image, messageOf(error), error);
        });
      const created: string[] = [];
      try {
        await runIn(parts, image, run, created);
      } finally {
        await image.release();
        // Mount points made in the workspace, if the commands left them empty.
        for (const dir of created.reverse()) await rmdir(dir).catch(() => {});
      }
    },
  };
}

async function runIn(parts: ContainerParts, image: ImageRoot, run: ToolchainRun, made: string[]) {
  const config = image.config.config ?? {};
  const user = await resolveUser(image.root, config.User ?? '');
  const mounts: SandboxMount[] = [{ type: 'bind', source: run.workspace, target: run.workspace }];
  for (const mount of sortByTarget(run.mounts, user.home)) {
    // Under the workspace the target is a host path: the bind needs it to exist.
    if (mount.target.startsWith(`${run.workspace}/`)) await makeDirs(mount.target, made);
    mounts.push({ type: 'bind', ...mount });
  }
  const env = [...(config.Env ?? []), ...Object.entries(run.env).map(([k, v]) => `${k}=${v}`)];
  const hasBash = await resolveInRoot(image.root, '/bin/bash')
    .then(access)
    .then(
      () => true,
      () => false,
    );
  const tail: string[] = [];
  const take = (stream: 'stdout' | 'stderr') => (line: string) => {
    tail.push(line);
    if (tail.length > TAIL_LINES) tail.shift();
    run.onLine(line, stream);
  };
  const result = await parts.run({
    rootfs: image.root,
    args: [hasBash ? '/bin/bash' : '/bin/sh', '-e', '-c', run.script],
    env,
    cwd: run.workspace,
    user,
    mounts,
    signal: run.signal,
    emit: run.emit,
    onStdout: take('stdout'),
    onStderr: take('stderr'),
  });
  if (run.signal.aborted) throw run.signal.reason;
  if (result.exitCode !== 0) {
    const status = result.signal
      ? `were killed by ${result.signal}`
      : `exited with status ${result.exitCode}`;
    throw new StepFailedError(`commands ${status} in toolchain image ${image.name}`, {
      exitCode: result.exitCode,
      outputTail: tail.join('\n'),
    });
  }
}

/** `~/x` under the user's home; parents before the mounts nested in them. */
function sortByTarget(mounts: ToolchainMount[], home: string): ToolchainMount[] {
  return mounts
    .map(({ source, target }) => ({
      source,
      target:
        target === '~' || target.startsWith('~/') ? posix.join(home, target.slice(1)) : target,
    }))
    .sort((a, b) => a.target.split('/').length - b.target.split('/').length);
}

/** mkdir -p that records the folders it made, outermost first. */
async function makeDirs(path: string, made: string[]): Promise<void> {
  const missing: string[] = [];
  for (let dir = path; !(await exists(dir)); dir = dirname(dir)) missing.unshift(dir);
  for (const dir of missing) {
    await mkdir(dir);
    made.push(dir);
  }
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
