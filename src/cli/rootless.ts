import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { constants, homedir, userInfo } from 'node:os';
import { SlipwayError } from '../errors/index.js';
import type { Emit } from '../log/index.js';
import { programOnPath } from '../util/process.js';
import { CLONE_OFF, subordinateRange, userNamespaceBlocks } from '../util/userns.js';
import type { CliContext } from './context.js';
import { failureEvent, ReportedError } from './exit.js';
import type { ProgressMode } from './render.js';

// A build by a regular user runs as buildah and podman run theirs: slipway
// enters a user namespace (and a mount namespace) where the caller is root,
// with the user's subordinate ids mapped above it, and runs itself again
// there. Inside, overlay mounts, owners and the sandbox work as for root,
// within the ids the namespace maps; the store stays the user's own.

/** What decides whether and how this user can enter a user namespace. */
export interface HostFacts {
  uid: number;
  userName: string;
  /** The text of /etc/subuid and /etc/subgid ('' when missing). */
  subuid: string;
  subgid: string;
  /** /proc/sys/user/max_user_namespaces, and Debian's unprivileged_userns_clone if present. */
  maxUserNamespaces?: string;
  unprivilegedClone?: string;
  /** Whether newuidmap and newgidmap (Debian package uidmap) are installed. */
  idMapTools: boolean;
}

/** How to enter: unshare's options, and a warning when only the user itself is mapped. */
export interface UserNamespaceEntry {
  unshareArgs: string[];
  warning?: string;
}

/** Decide how to enter a user namespace, or why it cannot be done. */
export function planUserNamespace(host: HostFacts): UserNamespaceEntry {
  const blocks = userNamespaceBlocks(host.maxUserNamespaces, host.unprivilegedClone);
  if (blocks.length > 0) {
    const cloneOff = blocks.includes(CLONE_OFF);
    throw new SlipwayError(
      'USERNS_DISABLED',
      'cannot build rootless: this kernel does not let regular users create user namespaces ' +
        `(${blocks[0]})`,
      {
        hint:
          'as root, enable them (sysctl -w user.max_user_namespaces=15000' +
          `${cloneOff ? ' kernel.unprivileged_userns_clone=1' : ''}), or run slipway as root`,
      },
    );
  }
  // Both files name the owning user (by name or uid), as newgidmap reads them.
  const user = { name: host.userName, id: host.uid };
  const uids = subordinateRange(host.subuid, user);
  const gids = subordinateRange(host.subgid, user);
  const base = ['--user', '--map-root-user', '--mount'];
  if (uids && gids) {
    if (!host.idMapTools) {
      throw new SlipwayError(
        'UIDMAP_MISSING',
        `cannot map the subordinate ids of ${host.userName} (/etc/subuid, /etc/subgid): ` +
          'newuidmap and newgidmap are not installed',
        { hint: 'install them as root: apt-get install uidmap (dnf install shadow-utils)' },
      );
    }
    // Root inside is the user; --map-auto maps the first subordinate range
    // from id 1 up, all but its last id (util-linux 2.38 and later).
    return { unshareArgs: [...base, '--map-auto'] };
  }
  // Like podman and buildah ("using rootless single mapping"), build anyway:
  // images whose files all belong to root still build, and a step that needs
  // another id fails with UNMAPPED_ID naming the same remedy.
  const missing = [uids ? '' : '/etc/subuid', gids ? '' : '/etc/subgid'].filter(Boolean);
  return {
    unshareArgs: base,
    warning:
      `${missing.join(' and ')} ${missing.length === 1 ? 'gives' : 'give'} ` +
      `${host.userName} no subordinate ids: ` +
      'only root is mapped in the build, and files owned by other ids cannot be made; ' +
      `as root, add a range: usermod --add-subuids 100000-165535 --add-subgids 100000-165535 ` +
      host.userName,
  };
}

/** The facts of this host and user. */
export function readHostFacts(): HostFacts {
  const read = (path: string) => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  };
  const info = userInfo();
  return {
    uid: info.uid,
    userName: info.username,
    subuid: read('/etc/subuid') ?? '',
    subgid: read('/etc/subgid') ?? '',
    maxUserNamespaces: read('/proc/sys/user/max_user_namespaces'),
    unprivilegedClone: read('/proc/sys/kernel/unprivileged_userns_clone'),
    idMapTools: ['newuidmap', 'newgidmap'].every((name) => programOnPath(name) !== undefined),
  };
}

/**
 * Run this same command again in a user namespace, for a regular user whose
 * command needs root's powers; its exit status becomes this process's. With
 * `--progress json` a refusal is reported as a JSON event.
 */
export async function runAgainInUserNamespace(
  context: CliContext,
  progress: ProgressMode,
): Promise<void> {
  const self = [process.execPath, ...process.execArgv, process.argv[1]!, ...context.argv];
  const emit = context.events(progress);
  const status = await runInUserNamespace(self, context.env, emit).catch((error: unknown) => {
    if (progress !== 'json') throw error;
    const event = failureEvent(error);
    emit(event);
    throw new ReportedError(event.status);
  });
  if (status !== 0) throw new ReportedError(status);
}

/**
 * Run `command` (slipway itself, again) in a user namespace; resolves to its
 * exit status. A trial `unshare … true` first turns a refusal (a setuid bit
 * missing on newuidmap, a security module) into an error with unshare's words.
 */
export async function runInUserNamespace(
  command: string[],
  env: NodeJS.ProcessEnv,
  emit: Emit,
  host: HostFacts = readHostFacts(),
): Promise<number> {
  const entry = planUserNamespace(host);
  if (entry.warning) emit({ kind: 'build.rootless', level: 'warn', message: entry.warning });
  const trial = spawnSync('unshare', [...entry.unshareArgs, 'true'], { encoding: 'utf8' });
  if (trial.status !== 0) {
    const said = (trial.stderr ?? '').trim().replaceAll('\n', '; ') || trial.error?.message;
    throw new SlipwayError('USERNS_FAILED', `cannot enter a user namespace: ${said}`, {
      hint:
        'check that /etc/subuid and /etc/subgid list your user, that newuidmap and newgidmap ' +
        'are setuid root, and that no security module forbids user namespaces',
    });
  }
  // Without HOME, the namespace's root would look up root's home for the store.
  const childEnv = { ...env, HOME: env.HOME ?? homedir() };
  const child = spawn('unshare', [...entry.unshareArgs, '--', ...command], {
    stdio: 'inherit',
    env: childEnv,
  });
  // Ctrl-C reaches the child through the terminal's process group; signals
  // sent to this process alone are passed on.
  const ignore = () => {};
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on('SIGINT', ignore);
  process.on('SIGTERM', forward);
  process.on('SIGHUP', forward);
  try {
    return await new Promise<number>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code, signal) => resolve(code ?? 128 + signalNumber(signal)));
    });
  } finally {
    process.removeListener('SIGINT', ignore);
    process.removeListener('SIGTERM', forward);
    process.removeListener('SIGHUP', forward);
  }
}

function signalNumber(signal: NodeJS.Signals | null): number {
  return signal === null ? 1 : (constants.signals[signal] ?? 1);
}
