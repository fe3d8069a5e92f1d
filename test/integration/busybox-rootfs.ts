// A minimal root filesystem for sandbox and snapshot tests: the host's static
// busybox (Debian busybox-static), its applets as symlinks, passwd and group.

import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BUSYBOX = '/bin/busybox';

export const PASSWD = [
  'root:x:0:0:root:/root:/bin/sh',
  'app:x:1000:1000:app:/home/app:/bin/sh',
  'nobody:x:65534:65534:nobody:/nonexistent:/bin/false',
].join('\n');

export const GROUP = [
  'root:x:0:',
  'app:x:1000:',
  'audio:x:29:app',
  'extra:x:2000:nobody,app',
  'nogroup:x:65534:',
].join('\n');

/** Fill `root` with busybox, its applets, /etc/passwd and /etc/group. */
export function makeBusyboxTree(root: string): void {
  mkdirSync(join(root, 'bin'), { recursive: true });
  mkdirSync(join(root, 'etc'));
  mkdirSync(join(root, 'tmp'), { mode: 0o1777 });
  copyFileSync(BUSYBOX, join(root, 'bin', 'busybox'));
  const applets = execFileSync(BUSYBOX, ['--list'], { encoding: 'utf8' }).split('\n');
  for (const applet of applets.filter((a) => a !== '' && a !== 'busybox')) {
    symlinkSync('busybox', join(root, 'bin', applet));
  }
  writeFileSync(join(root, 'etc', 'passwd'), `${PASSWD}\n`);
  writeFileSync(join(root, 'etc', 'group'), `${GROUP}\n`);
}

/** A fresh busybox rootfs in a temporary folder. */
export function makeBusyboxRootfs(): string {
  const root = mkdtempSync(join(tmpdir(), 'slipway-busybox-'));
  chmodSync(root, 0o755);
  makeBusyboxTree(root);
  return root;
}
