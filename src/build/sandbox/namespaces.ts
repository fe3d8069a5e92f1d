// The back end for hosts without an OCI runtime: util-linux `unshare` makes
// the mount, PID, IPC and UTS namespaces (and a network namespace for
// network=none); a host shell mounts /proc, /dev, /sys and the bind mounts
// from two generated fstab files, then `setpriv` sets groups and capabilities and `unshare --root --wd
// --setuid` enters the rootfs, its working directory and the user.

import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { currentUserNamespace, idMapped } from '../../util/userns.js';
import { devTemplate, earlyFstab, lateFstab } from './fstab.js';
import type { PreparedRun } from './prepare.js';
import { launch } from './process.js';
import { DEFAULT_CAPABILITIES } from './runc-spec.js';
import type { SandboxResult } from './types.js';

/** Prefix of the stderr line that reports a failed setup step. */
export const SETUP_FAILED = 'slipway-sandbox-setup-failed: ';

/** Quote one word for /bin/sh. */
export function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** Where the setup script finds what node prepared for it. */
export interface SetupFiles {
  earlyFstab: string;
  lateFstab: string;
  devTemplate: string;
}

/** The setup script run as PID 1 of the new namespaces, ending in the exec. */
export function setupScript(run: PreparedRun, files: SetupFiles, switchUser: boolean): string {
  const q = shellQuote;
  const lines = [`hostname ${q(run.hostname)}`];
  if (run.network === 'none') lines.push('ip link set lo up');
  lines.push(
    `mount --all --fstab ${q(files.earlyFstab)}`,
    `cp -a ${q(`${files.devTemplate}/.`)} ${q(`${run.rootfs}/dev/`)}`,
    `mount --all --fstab ${q(files.lateFstab)}`,
  );
  // A failed step names itself and its error on one stderr line with a marker
  // the caller picks up; its own output is not the command's output.
  const guarded = lines.map(
    (line) =>
      `err=$( { ${line}; } 2>&1 >/dev/null ) || { printf '%s%s: %s\\n' ${q(SETUP_FAILED)} ` +
      `${q(line)} "$(printf '%s' "$err" | tr '\\n' ' ')" >&2; exit 125; }`,
  );
  return [...guarded, `exec ${execLine(run, switchUser)}`].join('\n');
}

function execLine(run: PreparedRun, switchUser: boolean): string {
  const q = shellQuote;
  const { uid, gid, additionalGids } = run.user;
  const groups =
    additionalGids.length > 0 ? `--groups=${additionalGids.join(',')}` : '--clear-groups';
  const caps = DEFAULT_CAPABILITIES.map((c) => `+${c.slice(4).toLowerCase()}`).join(',');
  const privileges = !switchUser
    ? []
    : ['setpriv', `--regid=${gid}`, groups, `--bounding-set=-all,${caps}`, '--inh-caps=-all', '--'];
  const enter = ['unshare', `--root=${q(run.rootfs)}`, `--wd=${q(run.cwd)}`];
  if (switchUser) enter.push(`--setuid=${uid}`);
  return ['env -i', ...run.env.map(q), ...privileges, ...enter, '--', ...run.args.map(q)].join(' ');
}

/** Run `run` in fresh namespaces with `unshare`. */
export async function runWithNamespaces(run: PreparedRun): Promise<SandboxResult> {
  // A regular user gets a user namespace of its own that maps only root; root
  // of a user namespace already (a rootless build) stays in it, where setpriv
  // can switch to any id it maps when setgroups is allowed.
  const ownNamespace = process.getuid?.() !== 0;
  const namespace = currentUserNamespace();
  const rootless = ownNamespace || namespace !== undefined;
  const switchUser = !ownNamespace && (namespace?.setgroups ?? true);
  const flags = ['--mount', '--pid', '--ipc', '--uts', '--fork', '--kill-child'];
  if (ownNamespace) flags.unshift('--user', '--map-root-user');
  if (run.network === 'none') flags.push('--net');
  const files: SetupFiles = {
    earlyFstab: join(run.runDir, 'fstab.early'),
    lateFstab: join(run.runDir, 'fstab.late'),
    devTemplate: await devTemplate(rootless),
  };
  await writeFile(files.earlyFstab, earlyFstab(run));
  const ptsGroup = !rootless || (namespace !== undefined && idMapped(namespace.gids, 5));
  await writeFile(files.lateFstab, lateFstab(run, rootless, ptsGroup));
  const script = setupScript(run, files, switchUser);
  return launch({
    command: 'unshare',
    args: [...flags, '--propagation', 'private', '--', '/bin/sh', '-c', script],
    env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin' },
    onStdout: run.onStdout,
    onStderr: run.onStderr,
    signal: run.signal,
    kill: killNamespace,
  });
}

/** SIGKILL to the namespace's PID 1 kills every process in it. */
async function killNamespace(pid: number): Promise<void> {
  const tasks = await readdir(`/proc/${pid}/task`).catch(() => []);
  for (const task of tasks) {
    const children = await readFile(`/proc/${pid}/task/${task}/children`, 'utf8').catch(() => '');
    for (const child of children.split(' ').filter((c) => c !== '')) {
      try {
        process.kill(Number(child), 'SIGKILL');
      } catch {}
    }
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {}
}
