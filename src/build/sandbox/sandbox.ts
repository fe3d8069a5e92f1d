// runInSandbox: the one entry point that starts a process inside a root
// filesystem. It picks a back end (runc when installed and running as root,
// else Linux namespaces through util-linux), reports the choice as an event,
// and removes what it created in the rootfs whatever happens.

import { readFile } from 'node:fs/promises';
import { SlipwayError } from '../../errors/index.js';
import { silent } from '../../log/index.js';
import { programOnPath } from '../../util/process.js';
import { currentUserNamespace, idMapped } from '../../util/userns.js';
import { runWithNamespaces, SETUP_FAILED } from './namespaces.js';
import { prepareRun } from './prepare.js';
import { runWithRunc } from './runc.js';
import type { SandboxBackend, SandboxOptions, SandboxResult, SandboxUser } from './types.js';

/** The sandbox could not be set up (not a failure of the command itself). */
export class SandboxError extends SlipwayError {
  constructor(message: string, hint?: string) {
    super('SANDBOX', message, hint === undefined ? {} : { hint });
  }
}

const announced = new Set<SandboxBackend>();

/** Run `options.args` inside `options.rootfs`; resolves when every process ended. */
export async function runInSandbox(options: SandboxOptions): Promise<SandboxResult> {
  const emit = options.emit ?? silent;
  const backend = options.backend ?? (await chooseBackend());
  const rootless = process.getuid?.() !== 0 || currentUserNamespace() !== undefined;
  if (rootless)
    await checkRootless(backend, options.user ?? { uid: 0, gid: 0, additionalGids: [] });
  // Shown once per back end and process (plain progress hides debug events).
  const level = announced.has(backend) ? 'debug' : 'info';
  announced.add(backend);
  emit({
    kind: 'sandbox.backend',
    level,
    backend,
    rootless,
    message: `sandbox: ${backend}${rootless ? ' (rootless, user namespace)' : ''}`,
  });

  const setupErrors: string[] = [];
  const run = await prepareRun({
    ...options,
    onStderr: (line) => {
      const failure = setupFailure(line);
      if (failure === undefined) options.onStderr?.(line);
      else setupErrors.push(failure);
    },
  });
  try {
    const result = backend === 'runc' ? await runWithRunc(run) : await runWithNamespaces(run);
    if (setupErrors.length > 0) {
      throw new SandboxError(`sandbox: ${setupErrors.join('; ')}`);
    }
    return result;
  } finally {
    await run.cleanup();
  }
}

/** runc's error log, our setup marker or unshare's exec error: the process never ran. */
function setupFailure(line: string): string | undefined {
  if (line.startsWith(SETUP_FAILED)) return `setup failed: ${line.slice(SETUP_FAILED.length)}`;
  const runc = /^time="[^"]*" level=error msg="(.*)"$/.exec(line);
  if (runc) return runc[1]!.replaceAll('\\"', '"');
  // unshare could not exec the command (missing, not executable), as runc's `exec:` error.
  const exec = /^unshare: failed to execute (.*)$/.exec(line);
  return exec ? `exec: ${exec[1]}` : undefined;
}

/** The back end runInSandbox picks on this host when none is forced. */
export async function chooseBackend(): Promise<SandboxBackend> {
  if (process.getuid?.() !== 0 || currentUserNamespace() !== undefined) return 'namespaces';
  return (await findExecutable('runc')) ? 'runc' : 'namespaces';
}

/** The full path of an executable on PATH, or undefined. */
export async function findExecutable(name: string): Promise<string | undefined> {
  return programOnPath(name, process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin');
}

async function checkRootless(backend: SandboxBackend, user: SandboxUser): Promise<void> {
  if (backend === 'runc') {
    throw new SandboxError(
      'the runc back end needs root; slipway runs as a regular user',
      'run as root, or let slipway use the namespaces back end (the default when not root)',
    );
  }
  const namespace = currentUserNamespace();
  if (namespace !== undefined) {
    // Root of a user namespace (a rootless build): any id it maps can run.
    const ids = [user.uid, user.gid, ...user.additionalGids];
    if (
      idMapped(namespace.uids, user.uid) &&
      ids.slice(1).every((id) => idMapped(namespace.gids, id))
    ) {
      return;
    }
    throw new SandboxError(
      `cannot run as ${user.uid}:${user.gid}: the user namespace slipway builds in does not map it`,
      'give your user subordinate ids in /etc/subuid and /etc/subgid ' +
        '(as root: usermod --add-subuids 100000-165535 --add-subgids 100000-165535 USER)',
    );
  }
  const limit = await readFile('/proc/sys/user/max_user_namespaces', 'utf8').catch(() => '0');
  const allowed = await readFile('/proc/sys/kernel/unprivileged_userns_clone', 'utf8').catch(
    () => '1',
  );
  if (Number(limit) === 0 || allowed.trim() === '0') {
    throw new SandboxError(
      'cannot build rootless: this kernel does not let regular users create user namespaces',
      'run as root, or enable them: sysctl kernel.unprivileged_userns_clone=1 ' +
        'and user.max_user_namespaces>0',
    );
  }
  if (user.uid !== 0) {
    throw new SandboxError(
      `cannot switch to uid ${user.uid} rootless: the user namespace maps only root`,
      'run the build as root to use USER with a non-root user',
    );
  }
}
