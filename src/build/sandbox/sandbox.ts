// runInSandbox: the one entry point that starts a process inside a root
// filesystem. It picks a back end (runc when installed and running as root,
// real or of a user namespace, else Linux namespaces through util-linux),
// reports the choice as an event,
// and removes what it created in the rootfs whatever happens.

import { silent } from '../../log/index.js';
import { programOnPath } from '../../util/process.js';
import { currentUserNamespace } from '../../util/userns.js';
import { SandboxError } from './error.js';
import { runWithNamespaces, SETUP_FAILED } from './namespaces.js';
import { prepareRun } from './prepare.js';
import { checkRootless } from './rootless.js';
import { runWithRunc } from './runc.js';
import type { SandboxBackend, SandboxOptions, SandboxResult } from './types.js';

export { SandboxError };

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
  // Root of a user namespace (a rootless build) runs runc as root does; runc
  // sees the namespace and binds devices instead of making them.
  if (process.getuid?.() !== 0) return 'namespaces';
  return (await findExecutable('runc')) ? 'runc' : 'namespaces';
}

/** The full path of an executable on PATH, or undefined. */
export async function findExecutable(name: string): Promise<string | undefined> {
  return programOnPath(name, process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin');
}
