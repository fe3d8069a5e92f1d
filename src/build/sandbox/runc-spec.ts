// The OCI runtime spec (config.json) for one sandboxed process, with the
// defaults Docker and BuildKit use: namespaces, standard mounts, the default
// capability set, masked and read-only /proc paths.

import type { SandboxMount, SandboxUser } from './types.js';

/** Docker's default capabilities for a container's root user. */
export const DEFAULT_CAPABILITIES = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
];

/** Paths Docker hides from containers. */
export const MASKED_PATHS = [
  '/proc/asound',
  '/proc/acpi',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
  '/sys/devices/virtual/powercap',
];

/** Paths Docker makes read-only in containers. */
export const READONLY_PATHS = [
  '/proc/bus',
  '/proc/fs',
  '/proc/irq',
  '/proc/sys',
  '/proc/sysrq-trigger',
];

/** What the spec needs beyond the caller's options. */
export interface SpecInput {
  rootfs: string;
  args: string[];
  env: string[];
  cwd: string;
  user: SandboxUser;
  hostname: string;
  network: 'host' | 'none';
  /** Host files bind-mounted read-only at /etc/hosts and /etc/resolv.conf. */
  hostsPath: string;
  resolvConfPath: string;
  mounts: SandboxMount[];
  /** RLIMIT_NOFILE; raising it past the host's hard limit is refused. */
  openFiles: { soft: number; hard: number };
  /** Set when slipway is root of a user namespace (a rootless build). */
  userNamespace?: { ptsGroup: boolean };
}

type OciMount = { destination: string; type: string; source: string; options: string[] };

/** The standard container mounts, in the order they must be made. */
export function standardMounts(input: SpecInput): OciMount[] {
  const rootless = input.userNamespace;
  // A user namespace may mount sysfs only in a network namespace it owns.
  const sys: OciMount =
    rootless && input.network === 'host'
      ? { destination: '/sys', type: 'bind', source: '/sys', options: ['rbind', 'ro'] }
      : {
          destination: '/sys',
          type: 'sysfs',
          source: 'sysfs',
          options: ['nosuid', 'noexec', 'nodev', 'ro'],
        };
  const ptsGroup = rootless === undefined || rootless.ptsGroup ? ['gid=5'] : [];
  return [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    {
      destination: '/dev',
      type: 'tmpfs',
      source: 'tmpfs',
      options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'],
    },
    {
      destination: '/dev/pts',
      type: 'devpts',
      source: 'devpts',
      options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', ...ptsGroup],
    },
    {
      destination: '/dev/shm',
      type: 'tmpfs',
      source: 'shm',
      options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'],
    },
    {
      destination: '/dev/mqueue',
      type: 'mqueue',
      source: 'mqueue',
      options: ['nosuid', 'noexec', 'nodev'],
    },
    sys,
    {
      destination: '/sys/fs/cgroup',
      type: 'cgroup',
      source: 'cgroup',
      options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'],
    },
    {
      destination: '/etc/resolv.conf',
      type: 'bind',
      source: input.resolvConfPath,
      options: ['rbind', 'ro'],
    },
    { destination: '/etc/hosts', type: 'bind', source: input.hostsPath, options: ['rbind', 'ro'] },
  ];
}

function extraMount(mount: SandboxMount): OciMount {
  if (mount.type === 'tmpfs') {
    const size = mount.size === undefined ? [] : [`size=${mount.size}`];
    return {
      destination: mount.target,
      type: 'tmpfs',
      source: 'tmpfs',
      options: ['nosuid', 'nodev', 'mode=1777', ...size],
    };
  }
  return {
    destination: mount.target,
    type: 'bind',
    source: mount.source,
    options: ['rbind', mount.readonly ? 'ro' : 'rw'],
  };
}

/** The config.json for `runc run`. */
export function runtimeSpec(input: SpecInput): Record<string, unknown> {
  const root = input.user.uid === 0;
  const namespaces = ['pid', 'ipc', 'uts', 'mount'];
  if (input.network === 'none') namespaces.push('network');
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: false,
      user: {
        uid: input.user.uid,
        gid: input.user.gid,
        additionalGids: input.user.additionalGids,
      },
      args: input.args,
      env: input.env,
      cwd: input.cwd,
      // As Docker does, a non-root user keeps the set only as its bounding set.
      capabilities: {
        bounding: DEFAULT_CAPABILITIES,
        effective: root ? DEFAULT_CAPABILITIES : [],
        permitted: root ? DEFAULT_CAPABILITIES : [],
      },
      rlimits: [{ type: 'RLIMIT_NOFILE', ...input.openFiles }],
      noNewPrivileges: false,
    },
    root: { path: input.rootfs, readonly: false },
    hostname: input.hostname,
    mounts: [...standardMounts(input), ...input.mounts.map(extraMount)],
    linux: {
      namespaces: namespaces.map((type) => ({ type })),
      resources: { devices: [{ allow: false, access: 'rwm' }] },
      maskedPaths: MASKED_PATHS,
      readonlyPaths: READONLY_PATHS,
    },
  };
}
