// The namespaces back end mounts everything with two `mount --all --fstab`
// calls instead of one mount(8) per mount point: the standard container
// mounts, the caller's mounts, and Docker's masked and read-only paths.

import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { chmod, lstat, mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { currentUserNamespace, hostId } from '../../util/userns.js';
import type { PreparedRun } from './prepare.js';
import { MASKED_PATHS, READONLY_PATHS } from './runc-spec.js';

const exec = promisify(execFile);

const DEVICES: [string, number, number][] = [
  ['null', 1, 3],
  ['zero', 1, 5],
  ['full', 1, 7],
  ['random', 1, 8],
  ['urandom', 1, 9],
  ['tty', 5, 0],
];

/** One fstab line; fields escaped as fstab(5) wants. */
function entry(source: string, target: string, type: string, options: string): string {
  const octal = (field: string) =>
    field.replace(/[\\ \t\n]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`);
  return `${octal(source)} ${octal(target)} ${type} ${options} 0 0`;
}

/** Mounts made before /dev is filled: /proc and the /dev tmpfs. */
export function earlyFstab(run: PreparedRun): string {
  const r = run.rootfs;
  return [
    entry('proc', `${r}/proc`, 'proc', 'nosuid,noexec,nodev'),
    entry('tmpfs', `${r}/dev`, 'tmpfs', 'nosuid,strictatime,mode=755,size=65536k'),
    '',
  ].join('\n');
}

/** Everything else, in mount order. */
export function lateFstab(run: PreparedRun, rootless: boolean, ptsGroup = !rootless): string {
  const r = run.rootfs;
  const lines: string[] = [];
  if (rootless) {
    // mknod is refused in a user namespace: the host's nodes are bound instead.
    for (const [name] of DEVICES)
      lines.push(entry(`/dev/${name}`, `${r}/dev/${name}`, 'none', 'bind'));
  }
  lines.push(
    entry(
      'devpts',
      `${r}/dev/pts`,
      'devpts',
      `nosuid,noexec,newinstance,ptmxmode=0666,mode=0620${ptsGroup ? ',gid=5' : ''}`,
    ),
    entry('shm', `${r}/dev/shm`, 'tmpfs', 'nosuid,noexec,nodev,mode=1777,size=65536k'),
    entry('mqueue', `${r}/dev/mqueue`, 'mqueue', 'nosuid,noexec,nodev'),
  );
  // A user namespace may mount sysfs only in a network namespace it owns.
  if (rootless && run.network === 'host') lines.push(entry('/sys', `${r}/sys`, 'none', 'rbind,ro'));
  else lines.push(entry('sysfs', `${r}/sys`, 'sysfs', 'nosuid,noexec,nodev,ro'));
  lines.push(
    entry(run.resolvConfPath, run.hostTargets.resolvConf, 'none', 'bind,ro'),
    entry(run.hostsPath, run.hostTargets.hosts, 'none', 'bind,ro'),
  );
  for (const [mount, target] of run.mounts) {
    if (mount.type === 'tmpfs') {
      const size = mount.size === undefined ? '' : `,size=${mount.size}`;
      lines.push(entry('tmpfs', target, 'tmpfs', `nosuid,nodev,mode=1777${size}`));
    } else {
      lines.push(entry(mount.source, target, 'none', `rbind,${mount.readonly ? 'ro' : 'rw'}`));
    }
  }
  // /proc and /sys look the same from here as from inside: test them on the host.
  for (const path of MASKED_PATHS.filter((p) => existsSync(p))) {
    if (statSync(path).isDirectory()) lines.push(entry('tmpfs', `${r}${path}`, 'tmpfs', 'ro'));
    else lines.push(entry('/dev/null', `${r}${path}`, 'none', 'bind'));
  }
  for (const path of READONLY_PATHS.filter((p) => existsSync(p))) {
    lines.push(entry(`${r}${path}`, `${r}${path}`, 'none', 'bind,ro'));
  }
  return `${lines.join('\n')}\n`;
}

let template: Promise<string> | undefined;

/**
 * A folder with /dev's standard nodes, links and subfolders, made once and
 * copied into each sandbox's /dev tmpfs with one `cp -a`. Root keeps it in
 * /run/slipway; rootless, the nodes are empty files that the host's nodes
 * are bound onto, in a folder of the user's own.
 */
export function devTemplate(rootless: boolean): Promise<string> {
  template ??= ensureDevTemplate(rootless).catch((error) => {
    template = undefined;
    throw error;
  });
  return template;
}

async function ensureDevTemplate(rootless: boolean): Promise<string> {
  const uid = process.getuid?.() ?? 0;
  // Named by the host uid: root of every rootless build is uid 0 inside.
  const owner = hostId(currentUserNamespace()?.uids ?? [], uid) ?? uid;
  const dir = rootless ? join(tmpdir(), `slipway-dev-${owner}`) : '/run/slipway/dev';
  const found = await lstat(dir).catch(() => undefined);
  if (found?.isDirectory() && found.uid === uid && (found.mode & 0o022) === 0) return dir;
  if (found) throw new Error(`sandbox: ${dir} exists but is not slipway's /dev template`);

  await mkdir(dirname(dir), { recursive: true });
  const temp = await mkdtemp(`${dir}.tmp-`);
  try {
    for (const name of ['pts', 'shm', 'mqueue']) await mkdir(join(temp, name));
    const links: [string, string][] = [
      ['pts/ptmx', 'ptmx'],
      ['/proc/self/fd', 'fd'],
      ['/proc/self/fd/0', 'stdin'],
      ['/proc/self/fd/1', 'stdout'],
      ['/proc/self/fd/2', 'stderr'],
    ];
    for (const [target, name] of links) await symlink(target, join(temp, name));
    for (const [name, major, minor] of DEVICES) {
      const path = join(temp, name);
      if (rootless) await writeFile(path, '');
      else await exec('mknod', ['-m', '666', path, 'c', String(major), String(minor)]);
    }
    await chmod(temp, 0o755);
    await rename(temp, dir).catch(async (error: NodeJS.ErrnoException) => {
      // Another process made it first.
      if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
    });
    return dir;
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}
