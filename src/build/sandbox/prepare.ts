// What both back ends share: defaults filled in, the generated hosts and
// resolv.conf in a private run folder, and mount targets created in the
// rootfs (to be removed again after the run so the layer does not see them).

import { copyFile, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { containerEnv, DEFAULT_HOSTNAME, hostsFile } from './env.js';
import {
  type CreatedTargets,
  createMountTargets,
  type MountTarget,
  removeMountTargets,
} from './mountpoints.js';
import { resolveInRoot } from './rootpath.js';
import type { SandboxMount, SandboxOptions, SandboxUser } from './types.js';
import { resolveUser } from './user.js';

/** A run with every default decided and the rootfs ready for the back end. */
export interface PreparedRun {
  rootfs: string;
  args: string[];
  env: string[];
  cwd: string;
  user: SandboxUser;
  hostname: string;
  network: 'host' | 'none';
  /** Private folder for this run (bundle, hosts, resolv.conf). */
  runDir: string;
  hostsPath: string;
  resolvConfPath: string;
  /** Host paths of the standard file targets, symlinks resolved in the rootfs. */
  hostTargets: { hosts: string; resolvConf: string };
  /** Each extra mount with its host target path. */
  mounts: [SandboxMount, string][];
  onStdout?: (line: string) => void;
  onStderr?: (line: string) => void;
  signal?: AbortSignal;
  /** Removes the mount targets we created and the run folder. */
  cleanup(): Promise<void>;
}

const STANDARD_TARGETS: MountTarget[] = [
  { path: '/proc', kind: 'dir' },
  { path: '/dev', kind: 'dir' },
  { path: '/sys', kind: 'dir' },
  { path: '/etc/hosts', kind: 'file' },
  { path: '/etc/resolv.conf', kind: 'file' },
];

/** Fill defaults and set up the rootfs for one run. Call `cleanup()` after. */
export async function prepareRun(options: SandboxOptions): Promise<PreparedRun> {
  if (options.args.length === 0) throw new Error('sandbox: no command given');
  const user = options.user ?? { uid: 0, gid: 0, additionalGids: [] };
  const hostname = options.hostname ?? DEFAULT_HOSTNAME;
  const cwd = posix.resolve('/', options.cwd ?? '/');
  const home = await resolveUser(options.rootfs, String(user.uid)).then(
    (u) => u.home,
    () => '/',
  );

  const runDir = await mkdtemp(join(tmpdir(), 'slipway-run-'));
  let created: CreatedTargets = [];
  try {
    const hostsPath = join(runDir, 'hosts');
    const resolvConfPath = join(runDir, 'resolv.conf');
    await writeFile(hostsPath, hostsFile(hostname, options.extraHosts));
    await copyFile('/etc/resolv.conf', resolvConfPath).catch(() => writeFile(resolvConfPath, ''));
    await mkdir(await resolveInRoot(options.rootfs, cwd), { recursive: true });

    const mounts = options.mounts ?? [];
    const extraTargets: MountTarget[] = [];
    for (const mount of mounts) {
      const kind = mount.type === 'bind' ? await sourceKind(mount.source) : 'dir';
      extraTargets.push({ path: posix.resolve('/', mount.target), kind });
    }
    created = await createMountTargets(options.rootfs, [...STANDARD_TARGETS, ...extraTargets]);
    const hostMounts: [SandboxMount, string][] = [];
    for (const [index, mount] of mounts.entries()) {
      hostMounts.push([mount, await resolveInRoot(options.rootfs, extraTargets[index]!.path)]);
    }

    const run: PreparedRun = {
      rootfs: options.rootfs,
      args: options.args,
      env: containerEnv(options.env ?? [], hostname, home),
      cwd,
      user,
      hostname,
      network: options.network ?? 'host',
      runDir,
      hostsPath,
      resolvConfPath,
      hostTargets: {
        hosts: await resolveInRoot(options.rootfs, '/etc/hosts'),
        resolvConf: await resolveInRoot(options.rootfs, '/etc/resolv.conf'),
      },
      mounts: hostMounts,
      onStdout: options.onStdout,
      onStderr: options.onStderr,
      signal: options.signal,
      cleanup: async () => {
        await removeMountTargets(created);
        await rm(runDir, { recursive: true, force: true });
      },
    };
    return run;
  } catch (error) {
    await removeMountTargets(created);
    await rm(runDir, { recursive: true, force: true });
    throw error;
  }
}

async function sourceKind(source: string): Promise<'dir' | 'file'> {
  const stats = await stat(source).catch((error: Error) => {
    throw new Error(`sandbox: bind mount source ${source}: ${error.message}`);
  });
  return stats.isDirectory() ? 'dir' : 'file';
}
