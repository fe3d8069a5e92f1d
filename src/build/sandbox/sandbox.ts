// runInSandbox: the one entry point that starts a process inside a root
// filesystem. It picks a back end (runc when installed and running as root,
// else Linux namespaces through util-linux), reports the choice as an event,
// and removes what it created in the rootfs whatever happens.

import { access, constants, readFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { SlipwayError } from '../../errors/index.js';
import { silent } from '../../log/index.js';
import { runWithNamespaces, SETUP_FAILED } from './namespaces.js';
import { prepareRun } from './prepare.js';
import { runWithRunc } from './runc.js';
import type { SandboxBackend, SandboxOptions, SandboxResult } from './types.js';

/** The sandbox could not be set up (not a failure of the command itself). */
export class SandboxError extends SlipwayError {
  constructor(message: string, hint?: string) {
    super('SANDBOX', message, hint === undefined ? {} : { hint });
  }
}

/** Run `options.args` inside `options.rootfs`; resolves when every process ended. */
export async function runInSandbox(options: SandboxOptions): Promise<SandboxResult> {
  const emit = options.emit ?? silent;
  const backend = options.backend ?? (await chooseBackend());
  const rootless = process.getuid?.() !== 0;
  if (rootless) await checkRootless(backend, options.user?.uid ?? 0);
  emit({
    kind: 'sandbox.backend',
    level: 'debug',
    backend,
    rootless,
    message: `sandbox: ${backend}${rootless ? ' (rootless, user namespace)' : ''}`,
  });

  const setupErrors: string[] = [];
  const run = await prepareRun({
    ...options,
    onStderr: (line) => {
      if (line.startsWith(SETUP_FAILED)) setupErrors.push(line.slice(SETUP_FAILED.length));
      else options.onStderr?.(line);
    },
  });
  try {
    const result = backend === 'runc' ? await runWithRunc(run) : await runWithNamespaces(run);
    if (setupErrors.length > 0) {
      throw new SandboxError(`sandbox setup failed: ${setupErrors.join('; ')}`);
    }
    return result;
  } finally {
    await run.cleanup();
  }
}

/** The back end runInSandbox picks on this host when none is forced. */
export async function chooseBackend(): Promise<SandboxBackend> {
  if (process.getuid?.() !== 0) return 'namespaces';
  return (await findExecutable('runc')) ? 'runc' : 'namespaces';
}

/** The full path of an executable on PATH, or undefined. */
export async function findExecutable(name: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(delimiter)) {
    const path = join(dir, name);
    const found = await access(path, constants.X_OK).then(
      () => true,
      () => false,
    );
    if (found) return path;
  }
  return undefined;
}

async function checkRootless(backend: SandboxBackend, uid: number): Promise<void> {
  if (backend === 'runc') {
    throw new SandboxError(
      'the runc back end needs root; slipway runs as a regular user',
      'run as root, or let slipway use the namespaces back end (the default when not root)',
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
  if (uid !== 0) {
    throw new SandboxError(
      `cannot switch to uid ${uid} rootless: the user namespace maps only root`,
      'run the build as root to use USER with a non-root user',
    );
  }
}
