// The OCI runtime back end: a bundle with a generated config.json, run by
// `runc run` under slipway's own runc state root so stale containers of a
// killed build can be found and deleted.

import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { processAlive } from '../../util/process.js';
import { currentUserNamespace, hostId, idMapped } from '../../util/userns.js';
import { SandboxError } from './error.js';
import type { PreparedRun } from './prepare.js';
import { launch } from './process.js';
import { runtimeSpec } from './runc-spec.js';
import type { SandboxResult } from './types.js';

const exec = promisify(execFile);

/** Where runc keeps the state of slipway's containers when slipway runs as root. */
export const RUNC_STATE_ROOT = '/run/slipway/runc';

/** The state root for this process: root's, or a folder of the host user's own rootless. */
export function runcStateRoot(): string {
  const namespace = currentUserNamespace();
  if (namespace === undefined) return RUNC_STATE_ROOT;
  return join(tmpdir(), `slipway-runc-${hostId(namespace.uids, 0)}`);
}

/** The first runc run of a process deletes what killed builds left behind. */
let staleSweep: Promise<string[]> | undefined;

/** Run `run` as an OCI container with runc. */
export async function runWithRunc(run: PreparedRun): Promise<SandboxResult> {
  const namespace = currentUserNamespace();
  const spec = runtimeSpec({
    ...run,
    mounts: run.mounts.map(([mount]) => mount),
    openFiles: await openFilesLimit(),
    userNamespace: namespace && { ptsGroup: idMapped(namespace.gids, 5) },
  });
  const stateRoot = runcStateRoot();
  if (namespace) await checkOwnFolder(stateRoot);
  await writeFile(join(run.runDir, 'config.json'), JSON.stringify(spec, null, 2));
  staleSweep ??= deleteStaleContainers().catch(() => []);
  await staleSweep;
  const id = `slipway-${process.pid}-${randomBytes(6).toString('hex')}`;
  const runc = (args: string[]) => exec('runc', ['--root', stateRoot, ...args]);
  try {
    return await launch({
      command: 'runc',
      args: ['--root', stateRoot, 'run', '--bundle', run.runDir, id],
      cwd: run.runDir,
      env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin' },
      onStdout: run.onStdout,
      onStderr: run.onStderr,
      signal: run.signal,
      // The process is PID 1 of its namespace: killing it kills the tree.
      kill: async () => {
        await runc(['kill', id, 'KILL']);
      },
    });
  } finally {
    // `runc run` deletes its container when it ends normally; check before paying for a call.
    const left = await stat(join(stateRoot, id)).catch(() => undefined);
    if (left) await runc(['delete', '--force', id]).catch(() => {});
  }
}

/**
 * Delete containers left by slipway processes that no longer run. runc keeps
 * one folder per container under its root, so reading that folder finds them
 * without starting `runc list`.
 */
export async function deleteStaleContainers(): Promise<string[]> {
  const stateRoot = runcStateRoot();
  const ids = await readdir(stateRoot).catch(() => [] as string[]);
  const stale = ids
    .filter((id) => /^slipway-\d+-/.test(id))
    .filter((id) => !processAlive(Number(id.split('-')[1])));
  for (const id of stale) {
    await exec('runc', ['--root', stateRoot, 'delete', '--force', id]).catch(() => {});
  }
  return stale;
}

/** This process's RLIMIT_NOFILE, which the container inherits as Docker's does. */
async function openFilesLimit(): Promise<{ soft: number; hard: number }> {
  const limits = await readFile('/proc/self/limits', 'utf8').catch(() => '');
  const match = /^Max open files\s+(\d+)\s+(\d+)/m.exec(limits);
  return match ? { soft: Number(match[1]), hard: Number(match[2]) } : { soft: 1024, hard: 4096 };
}

/** A folder in the shared temp folder must be ours alone before runc keeps state there. */
async function checkOwnFolder(dir: string): Promise<void> {
  await mkdir(dir, { mode: 0o700 }).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error;
  });
  const found = await lstat(dir);
  if (!found.isDirectory() || found.uid !== process.getuid?.() || (found.mode & 0o077) !== 0) {
    throw new SandboxError(
      `sandbox: runc's state folder ${dir} belongs to another user or is open to others`,
      'remove it (as root if need be); slipway makes it again',
    );
  }
}
