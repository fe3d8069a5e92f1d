// The back end for hosts without an OCI runtime: util-linux `unshare` makes
// the mount, PID, IPC and UTS namespaces (and a network namespace for
// network=none); a host shell mounts /proc, /dev, /sys and the bind mounts,
// then `setpriv` sets groups and capabilities and `unshare --root --wd
// --setuid` enters the rootfs, its working directory and the user.

import { readdir, readFile } from 'node:fs/promises';
import type { PreparedRun } from './prepare.js';
import { launch } from './process.js';
import { DEFAULT_CAPABILITIES, MASKED_PATHS, READONLY_PATHS } from './runc-spec.js';
import type { SandboxResult } from './types.js';

const DEVICES: [string, number, number][] = [
  ['null', 1, 3],
  ['zero', 1, 5],
  ['full', 1, 7],
  ['random', 1, 8],
  ['urandom', 1, 9],
  ['tty', 5, 0],
];

/** Prefix of the stderr line that reports a failed setup step. */
export const SETUP_FAILED = 'slipway-sandbox-setup-failed: ';

/** Quote one word for /bin/sh. */
export function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** The setup script run as PID 1 of the new namespaces, ending in the exec. */
export function setupScript(run: PreparedRun, rootless: boolean): string {
  const q = shellQuote;
  const r = run.rootfs;
  const dev = `${r}/dev`;
  const lines = [`hostname ${q(run.hostname)}`];
  if (run.network === 'none') lines.push('ip link set lo up');
  lines.push(`mount -t proc -o nosuid,noexec,nodev proc ${q(`${r}/proc`)}`);
  lines.push(`mount -t tmpfs -o nosuid,strictatime,mode=755,size=65536k tmpfs ${q(dev)}`);
  for (const [name, major, minor] of DEVICES) {
    // mknod is refused in a user namespace: bind the host's node instead.
    if (rootless)
      lines.push(`touch ${q(`${dev}/${name}`)}; mount --bind /dev/${name} ${q(`${dev}/${name}`)}`);
    else lines.push(`mknod -m 666 ${q(`${dev}/${name}`)} c ${major} ${minor}`);
  }
  lines.push(
    `cd ${q(dev)} && mkdir pts shm mqueue && ln -s pts/ptmx ptmx && ln -s /proc/self/fd fd`,
    'ln -s /proc/self/fd/0 stdin && ln -s /proc/self/fd/1 stdout && ln -s /proc/self/fd/2 stderr',
    `mount -t devpts -o nosuid,noexec,newinstance,ptmxmode=0666,mode=0620${rootless ? '' : ',gid=5'} devpts pts`,
    'mount -t tmpfs -o nosuid,noexec,nodev,mode=1777,size=65536k shm shm',
    'mount -t mqueue -o nosuid,noexec,nodev mqueue mqueue || rmdir mqueue',
    'cd /',
    `mount -t sysfs -o nosuid,noexec,nodev,ro sysfs ${q(`${r}/sys`)} 2>/dev/null || mount --rbind -o ro /sys ${q(`${r}/sys`)}`,
    `mount --bind -o ro ${q(run.resolvConfPath)} ${q(run.hostTargets.resolvConf)}`,
    `mount --bind -o ro ${q(run.hostsPath)} ${q(run.hostTargets.hosts)}`,
  );
  for (const [mount, hostTarget] of run.mounts) {
    if (mount.type === 'tmpfs') {
      const size = mount.size === undefined ? '' : `,size=${mount.size}`;
      lines.push(`mount -t tmpfs -o nosuid,nodev,mode=1777${size} tmpfs ${q(hostTarget)}`);
    } else {
      const mode = mount.readonly ? 'ro' : 'rw';
      lines.push(`mount --rbind -o ${mode} ${q(mount.source)} ${q(hostTarget)}`);
    }
  }
  for (const path of MASKED_PATHS) {
    const p = q(`${r}${path}`);
    lines.push(
      `if [ -d ${p} ]; then mount -t tmpfs -o ro tmpfs ${p}; ` +
        `elif [ -e ${p} ]; then mount --bind /dev/null ${p}; fi`,
    );
  }
  for (const path of READONLY_PATHS) {
    const p = q(`${r}${path}`);
    lines.push(`if [ -e ${p} ]; then mount --bind -o ro ${p} ${p}; fi`);
  }
  // A failed setup step names itself on stderr with a marker the caller picks up.
  const guarded = lines.map(
    (line) => `{ ${line}; } || { echo ${q(SETUP_FAILED)}${q(line)} >&2; exit 125; }`,
  );
  return [...guarded, `exec ${execLine(run, rootless)}`].join('\n');
}

function execLine(run: PreparedRun, rootless: boolean): string {
  const q = shellQuote;
  const { uid, gid, additionalGids } = run.user;
  const groups =
    additionalGids.length > 0 ? `--groups=${additionalGids.join(',')}` : '--clear-groups';
  const caps = DEFAULT_CAPABILITIES.map((c) => `+${c.slice(4).toLowerCase()}`).join(',');
  const privileges = rootless
    ? []
    : ['setpriv', `--regid=${gid}`, groups, `--bounding-set=-all,${caps}`, '--inh-caps=-all', '--'];
  const enter = ['unshare', `--root=${q(run.rootfs)}`, `--wd=${q(run.cwd)}`];
  if (!rootless) enter.push(`--setuid=${uid}`);
  return ['env -i', ...run.env.map(q), ...privileges, ...enter, '--', ...run.args.map(q)].join(' ');
}

/** Run `run` in fresh namespaces with `unshare`. */
export async function runWithNamespaces(run: PreparedRun): Promise<SandboxResult> {
  const rootless = process.getuid?.() !== 0;
  const flags = ['--mount', '--pid', '--ipc', '--uts', '--fork', '--kill-child'];
  if (rootless) flags.unshift('--user', '--map-root-user');
  if (run.network === 'none') flags.push('--net');
  return launch({
    command: 'unshare',
    args: [...flags, '--propagation', 'private', '--', '/bin/sh', '-c', setupScript(run, rootless)],
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
